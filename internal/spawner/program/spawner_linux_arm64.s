// The spawner program for linux/arm64: see doc.go, protocol.go (the wire
// format) and docs/spawner.md.
//
// spawnerMain is never called from Go. Its bytes are copied into a minimal
// ELF whose entry point is its first instruction, so it starts on the
// kernel's initial stack (RSP → argc) with no Go runtime. It therefore uses
// only SVC system calls (number in R8, arguments in R0–R5, the result in
// R0, every other register preserved by the kernel), relative branches to
// its own labels and no reference to any symbol: no BL, no data. A literal
// pool the assembler may add lies inside the function's extent, which
// machineCode takes from the pclntab.
//
// Frame: RSP is lowered by FRAME bytes at the start and never used again;
// the frame is addressed through four base registers:
//	R19	the request buffer (MaxRequest bytes, the lowest addresses, touched
//		only by what recvmsg writes into it)
//	R20	the scratch area (SCRATCH bytes; offsets S_xxx below)
//	R21	the slot table (MaxRuns slots of 32 bytes: pid u64, pidfd u32,
//		run socket u32, start ns u64, unused u64)
//	R22	the pollfd array (1 + 2*MaxRuns entries: the control socket, then
//		each slot's pidfd and run socket)
// Long-lived registers:
//	R23	the slots polled: the highest slot in use + 1 (0: none)
//	R24	the spawner's pid
// The loops over the slots keep the index in R9, the slot's address in
// R10, its pollfds' address − 8 in R11, and its pid in R12.
// During a spawn (a child under CLONE_VM|CLONE_VFORK runs on these copies):
//	R9, R10, R11	the child's stdin, stdout, stderr
//	R12, R13	the run socket, the side socket
//	R14, R15, R16, R17	path, argv, envp, directory (0: none)
//	R26	the child's pid
// R0–R8 are system call arguments and temporaries. R18 (platform), R27
// (the assembler's temporary), R28 (g), R29 and R30 are not used. Large
// constants are built with MOVD/MOVK, so there is no literal pool.
//
// A system call's result in R0 is an error when negative (−errno): none
// of the calls made here returns an address.

#include "textflag.h"

// System call numbers (include/uapi/asm-generic/unistd.h, as
// golang.org/x/sys/unix zsysnum_linux_arm64.go has them).
#define SYS_dup3		24
#define SYS_fcntl		25
#define SYS_chdir		49
#define SYS_close		57
#define SYS_pipe2		59
#define SYS_read		63
#define SYS_write		64
#define SYS_ppoll		73
#define SYS_exit_group		94
#define SYS_clock_gettime	113
#define SYS_kill		129
#define SYS_rt_sigaction	134
#define SYS_rt_sigprocmask	135
#define SYS_setpgid		154
#define SYS_prctl		167
#define SYS_getpid		172
#define SYS_getppid		173
#define SYS_sendto		206
#define SYS_recvfrom		207
#define SYS_sendmsg		211
#define SYS_recvmsg		212
#define SYS_clone		220
#define SYS_execve		221
#define SYS_wait4		260
#define SYS_prlimit64		261
#define SYS_pidfd_send_signal	424
#define SYS_pidfd_open		434

// Constants of the kernel's ABI.
#define EINTR		4
#define EAGAIN		11
#define EINVAL		22
#define ESRCH		3
#define SIGKILL		9
#define SIGCHLD		17
#define SIGSTOP		19
#define SIG_SETMASK	2
#define F_SETFD		2
#define FD_CLOEXEC	1
#define O_CLOEXEC	0x80000
#define RLIMIT_NOFILE	7
#define PR_SET_PDEATHSIG	1
#define PR_SET_NAME	15
#define CLOCK_MONOTONIC	1
#define CLONE_VM	0x100
#define CLONE_PIDFD	0x1000
#define CLONE_VFORK	0x4000
#define MSG_CTRUNC	0x8
#define MSG_TRUNC	0x20
#define MSG_DONTWAIT	0x40
#define MSG_NOSIGNAL	0x4000
#define MSG_CMSG_CLOEXEC	0x40000000
#define POLLIN		0x1
#define POLLERR		0x8
#define POLLHUP		0x10
#define SOL_SOCKET	1
#define SCM_RIGHTS	1

// The wire format (protocol.go).
#define MaxRequest	0x20000
#define MaxRuns		256
#define RequestFDs	5
#define ExitedSize	160
#define FailedSize	16
#define StartedSize	24
#define StageRequest	1
#define StageBusy	2
#define StageFork	3
#define StageSetpgid	4
#define StageDeathSignal	5
#define StageDup	6
#define StageChdir	7
#define StageRlimit	8
#define StageExec	9
#define StagePidfd	10

// The frame: the request buffer, then the scratch area, the slot table and
// the pollfd array.
#define FRAME		0x24000
#define SCRATCH		2048
#define SLOTS		(MaxRuns*32)
#define POLLFDS		((1+2*MaxRuns)*8)

// The scratch area (offsets from R20).
#define S_SA		0	// struct sigaction (32 bytes) of SIG_DFL: all zero
#define S_CHILDSA	32	// struct sigaction of SIG_IGN: handler 1, for the child
#define S_ORIGLIM	64	// RLIMIT_NOFILE at exec {cur, max}: the children's
#define S_NEWLIM	80	// {max, max}: the spawner's
#define S_TS		96	// struct timespec
#define S_PIPE		112	// errpipe {read end, write end}
#define S_PIDFD		120	// the child's pidfd (clone's parent_tid)
#define S_CHILDBUF	128	// the child's error record {stage, 0, errno}
#define S_ERRBUF	144	// the same, as the spawner reads it
#define S_STATUS	160	// wait4's status
#define S_START		168	// the child's start, ns
#define S_NOPIDFD	176	// 1 once clone refused CLONE_PIDFD (qemu-user)
#define S_SLOT		184	// the slot of the spawn in progress
#define S_IOV		192	// struct iovec
#define S_MSG		208	// struct msghdr (56 bytes)
#define S_DRAIN		264	// 16 bytes: what is read and dropped
#define S_SCMSG		280	// the started message's control data (24 bytes)
#define S_STARTED	304	// the started message (24 bytes)
#define S_REPLY		328	// a reply (ExitedSize bytes); the hello
#define S_CMSG		512	// a request's control data
#define CMSGCAP		1040	// room for 256 descriptors: none is ever truncated

// The slot table (offsets in a slot).
#define SL_PID		0
#define SL_PIDFD	8
#define SL_RUN		12
#define SL_START	16

// SYSCALL(n): the system call n on the arguments already in R0–R5.
#define SYSCALL(n)	MOVD $n, R8; SVC

// SLOTPOLL(i, slot, pollfd): slot = the address of slot i (R21 + 32*i);
// pollfd = R22 + 16*i, slot i's two pollfds (its pidfd's, its run
// socket's) being at 8(pollfd) and 16(pollfd), after the control socket's.
#define SLOTPOLL(i, slot, pollfd)	ADD i<<5, R21, slot; ADD i<<4, R22, pollfd

// BADOFF(r, bad): branch to bad unless r is a string offset of the request:
// past the pointer table (R4) and inside the message (R26).
#define BADOFF(r, bad)	CMP R4, r; BLO bad; CMP R26, r; BHS bad

// DRAIN(fd, again): read and drop what is queued on the socket fd (a
// register), until a read fails or returns 0. again is a fresh label.
#define DRAIN(fd, again) \
again: \
	MOVW	fd, R0; \
	ADD	$S_DRAIN, R20, R1; \
	MOVD	$16, R2; \
	MOVD	$MSG_DONTWAIT, R3; \
	MOVD	ZR, R4; \
	MOVD	ZR, R5; \
	SYSCALL(SYS_recvfrom); \
	CMP	$0, R0; \
	BGT	again

// func spawnerMain()
TEXT ·spawnerMain(SB), NOSPLIT|NOFRAME, $0
	// Fork once: the parent (the launcher, the caller's child) exits at
	// once, so the spawner is not the caller's child.
	MOVD	$SIGCHLD, R0
	MOVD	ZR, R1
	MOVD	ZR, R2
	MOVD	ZR, R3
	MOVD	ZR, R4
	SYSCALL(SYS_clone)
	CBZ	R0, spawner
	TBNZ	$63, R0, launcherfailed
	MOVD	ZR, R0
	SYSCALL(SYS_exit_group)
launcherfailed:
	MOVD	$1, R0
	SYSCALL(SYS_exit_group)

spawner:
	// fcntl(3, F_SETFD, FD_CLOEXEC): no child inherits the control socket.
	MOVD	$3, R0
	MOVD	$F_SETFD, R1
	MOVD	$FD_CLOEXEC, R2
	SYSCALL(SYS_fcntl)

	// Carve the frame and set the base registers.
	MOVD	RSP, R0
	SUB	$FRAME, R0
	AND	$~15, R0
	MOVD	R0, RSP
	MOVD	R0, R19
	ADD	$MaxRequest, R19, R20
	ADD	$SCRATCH, R20, R21
	ADD	$SLOTS, R21, R22

	// Zero the scratch area, the slots and the pollfds (touching them
	// now, so the peak after the hello grows only with the requests).
	MOVD	R20, R0
	ADD	$POLLFDS, R22, R1
zero:
	MOVD.P	ZR, 8(R0)
	CMP	R1, R0
	BLO	zero

	// Every pollfd {fd -1, POLLIN}, then pollfd[0] {3, POLLIN}.
	MOVD	R22, R0
	MOVD	$0x1ffffffff, R2
pollinit:
	MOVD.P	R2, 8(R0)
	CMP	R1, R0
	BLO	pollinit
	MOVD	$3, R2
	MOVW	R2, (R22)

	// The child's SIG_IGN sigaction: handler 1, the rest 0.
	MOVD	$1, R2
	MOVD	R2, S_CHILDSA(R20)

	// rt_sigprocmask(SIG_SETMASK, &empty, NULL, 8): S_SA+24 is 8 zero bytes.
	MOVD	$SIG_SETMASK, R0
	ADD	$(S_SA+24), R20, R1
	MOVD	ZR, R2
	MOVD	$8, R3
	SYSCALL(SYS_rt_sigprocmask)

	// Every signal 1..64 but SIGKILL and SIGSTOP to SIG_DFL (S_SA is all
	// zero).
	MOVD	$1, R6
dflloop:
	CMP	$SIGKILL, R6
	BEQ	dflnext
	CMP	$SIGSTOP, R6
	BEQ	dflnext
	MOVD	R6, R0
	ADD	$S_SA, R20, R1
	MOVD	ZR, R2
	MOVD	$8, R3
	SYSCALL(SYS_rt_sigaction)
dflnext:
	ADD	$1, R6
	CMP	$64, R6
	BLS	dflloop

	// prlimit64(0, RLIMIT_NOFILE, NULL, &orig): the children get it back;
	// the spawner raises its soft limit to the hard one, as Go does.
	MOVD	ZR, R0
	MOVD	$RLIMIT_NOFILE, R1
	MOVD	ZR, R2
	ADD	$S_ORIGLIM, R20, R3
	SYSCALL(SYS_prlimit64)
	MOVD	S_ORIGLIM+8(R20), R2
	MOVD	R2, S_NEWLIM(R20)
	MOVD	R2, S_NEWLIM+8(R20)
	MOVD	ZR, R0
	MOVD	$RLIMIT_NOFILE, R1
	ADD	$S_NEWLIM, R20, R2
	MOVD	ZR, R3
	SYSCALL(SYS_prlimit64)

	// prctl(PR_SET_NAME, "perfgate-spawn"), the name built in S_REPLY.
	MOVD	$0x6570, R2		// "perfgate"
	MOVK	$(0x6672<<16), R2
	MOVK	$(0x6167<<32), R2
	MOVK	$(0x6574<<48), R2
	MOVD	R2, S_REPLY(R20)
	MOVD	$0x732d, R2		// "-spawn\0\0"
	MOVK	$(0x6170<<16), R2
	MOVK	$(0x6e77<<32), R2
	MOVD	R2, S_REPLY+8(R20)
	MOVD	$PR_SET_NAME, R0
	ADD	$S_REPLY, R20, R1
	SYSCALL(SYS_prctl)

	// The hello: HelloMagic, getpid(), MaxRuns, by sendto(3, MSG_NOSIGNAL).
	SYSCALL(SYS_getpid)
	MOVD	R0, R24
	MOVD	$0x5347, R2		// HelloMagic 0x01314e5741505347
	MOVK	$(0x4150<<16), R2
	MOVK	$(0x4e57<<32), R2
	MOVK	$(0x0131<<48), R2
	MOVD	R2, S_REPLY(R20)
	MOVW	R24, S_REPLY+8(R20)
	MOVD	$MaxRuns, R2
	MOVW	R2, S_REPLY+12(R20)
	MOVD	$3, R0
	ADD	$S_REPLY, R20, R1
	MOVD	$16, R2
	MOVD	$MSG_NOSIGNAL, R3
	MOVD	ZR, R4
	MOVD	ZR, R5
	SYSCALL(SYS_sendto)
	MOVD	ZR, R23

	// The loop: ppoll(pollfds, 1+2*R23, NULL, NULL, 8), no timeout.
loop:
	MOVD	R22, R0
	LSL	$1, R23, R1
	ADD	$1, R1
	MOVD	ZR, R2
	MOVD	ZR, R3
	MOVD	$8, R4
	SYSCALL(SYS_ppoll)
	// EINTR: again. Another error: give up as if the caller had gone.
	CMN	$EINTR, R0
	BEQ	loop
	TBNZ	$63, R0, gone

	// 1. Every slot whose pidfd is readable: its child has ended. R9 the
	// slot's index, R10 its slot, R11 its pollfds - 8.
	MOVD	ZR, R9
reaploop:
	CMP	R23, R9
	BHS	reapdone
	SLOTPOLL(R9, R10, R11)
	MOVD	SL_PID(R10), R12
	CBZ	R12, reapnext
	MOVHU	14(R11), R0
	CBZ	R0, reapnext
	// The end: clock_gettime(CLOCK_MONOTONIC).
	MOVD	$CLOCK_MONOTONIC, R0
	ADD	$S_TS, R20, R1
	SYSCALL(SYS_clock_gettime)
	// kill(-pid, SIGKILL): what is left of its group, before the reap.
	NEG	R12, R0
	MOVD	$SIGKILL, R1
	SYSCALL(SYS_kill)
	// wait4(pid, &status, 0, &reply.rusage); EINTR: again. A failure
	// (impossible while SIGCHLD is not ignored) sends no reply: the
	// caller sees the run socket close without one.
reapwait:
	MOVD	R12, R0
	ADD	$S_STATUS, R20, R1
	MOVD	ZR, R2
	ADD	$(S_REPLY+16), R20, R3
	SYSCALL(SYS_wait4)
	CMN	$EINTR, R0
	BEQ	reapwait
	MOVWU	SL_RUN(R10), R13
	TBNZ	$63, R0, reapdrain
	// The exited reply: tag, status, wall = end - start, the rusage.
	MOVD	$0x4750, R0		// ExitedTag 0x58454750
	MOVK	$(0x5845<<16), R0
	MOVW	R0, S_REPLY(R20)
	MOVWU	S_STATUS(R20), R0
	MOVW	R0, S_REPLY+4(R20)
	MOVD	S_TS(R20), R0
	MOVD	$1000000000, R1
	MUL	R1, R0
	MOVD	S_TS+8(R20), R1
	ADD	R1, R0
	MOVD	SL_START(R10), R1
	SUB	R1, R0
	MOVD	R0, S_REPLY+8(R20)
	MOVD	R13, R0
	ADD	$S_REPLY, R20, R1
	MOVD	$ExitedSize, R2
	MOVD	$(MSG_NOSIGNAL|MSG_DONTWAIT), R3
	MOVD	ZR, R4
	MOVD	ZR, R5
	SYSCALL(SYS_sendto)
	// Drop what is queued on the run socket (closing it with unread data
	// would reset the caller's end before it reads the reply), close it
	// and the pidfd, free the slot and its pollfds.
	DRAIN(R13, reapdrain)
	MOVD	R13, R0
	SYSCALL(SYS_close)
	MOVWU	SL_PIDFD(R10), R0
	SYSCALL(SYS_close)
	MOVD	ZR, SL_PID(R10)
	MOVD	$0x1ffffffff, R0
	MOVD	R0, 8(R11)
	MOVD	R0, 16(R11)
reapnext:
	ADD	$1, R9
	B	reaploop
reapdone:

	// 2. Every slot whose run socket is readable: bytes, end of file or an
	// error kill the child and its group; end of file or an error also stop
	// the polling of the socket (it is closed when the child is reaped).
	MOVD	ZR, R9
killloop:
	CMP	R23, R9
	BHS	killdone
	SLOTPOLL(R9, R10, R11)
	MOVD	SL_PID(R10), R12
	CBZ	R12, killnext
	MOVHU	22(R11), R0
	CBZ	R0, killnext
	MOVWU	SL_RUN(R10), R0
	ADD	$S_DRAIN, R20, R1
	MOVD	$16, R2
	MOVD	$MSG_DONTWAIT, R3
	MOVD	ZR, R4
	MOVD	ZR, R5
	SYSCALL(SYS_recvfrom)
	CMN	$EAGAIN, R0
	BEQ	killnext
	CMN	$EINTR, R0
	BEQ	killnext
	MOVD	R0, R13
	MOVWU	SL_PIDFD(R10), R0
	MOVD	$SIGKILL, R1
	MOVD	ZR, R2
	MOVD	ZR, R3
	SYSCALL(SYS_pidfd_send_signal)
	NEG	R12, R0
	MOVD	$SIGKILL, R1
	SYSCALL(SYS_kill)
	CMP	$0, R13
	BGT	killnext
	MOVD	$-1, R0
	MOVW	R0, 16(R11)
killnext:
	ADD	$1, R9
	B	killloop
killdone:

	// Poll no more slots than are in use: lower R23 past free slots.
shrink:
	CBZ	R23, shrunk
	SUB	$1, R23, R0
	ADD	R0<<5, R21, R1
	MOVD	SL_PID(R1), R1
	CBNZ	R1, shrunk
	MOVD	R0, R23
	B	shrink
shrunk:

	// 3. The control socket: take every request waiting.
	MOVHU	6(R22), R0
	CBZ	R0, loop
recv:
	// recvmsg(3, {iov {request buffer, MaxRequest}, control {S_CMSG,
	// CMSGCAP}}, MSG_DONTWAIT|MSG_CMSG_CLOEXEC); EINTR: again.
	MOVD	R19, S_IOV(R20)
	MOVD	$MaxRequest, R0
	MOVD	R0, S_IOV+8(R20)
	MOVD	ZR, S_MSG(R20)
	MOVD	ZR, S_MSG+8(R20)
	ADD	$S_IOV, R20, R0
	MOVD	R0, S_MSG+16(R20)
	MOVD	$1, R0
	MOVD	R0, S_MSG+24(R20)
	ADD	$S_CMSG, R20, R0
	MOVD	R0, S_MSG+32(R20)
	MOVD	$CMSGCAP, R0
	MOVD	R0, S_MSG+40(R20)
	MOVD	ZR, S_MSG+48(R20)
	MOVD	$3, R0
	ADD	$S_MSG, R20, R1
	MOVD	$(MSG_DONTWAIT|MSG_CMSG_CLOEXEC), R2
	SYSCALL(SYS_recvmsg)
	CMN	$EINTR, R0
	BEQ	recv
	CMN	$EAGAIN, R0
	BNE	received
	// Nothing (more) to read: a hang-up or an error means the caller has
	// gone; else poll again. Another error: poll again.
	MOVHU	6(R22), R0
	TST	$(POLLHUP|POLLERR), R0
	BNE	gone
	B	loop
received:
	TBNZ	$63, R0, loop		// another error: poll again
	MOVD	R0, R26
	// R6: how many descriptors came (one SCM_RIGHTS message at most: the
	// kernel merges them), R7 where they are.
	MOVD	ZR, R6
	ADD	$(S_CMSG+16), R20, R7
	MOVD	S_MSG+40(R20), R1
	CMP	$16, R1
	BLO	counted
	MOVD	S_CMSG(R20), R2
	CMP	R1, R2
	CSEL	HI, R1, R2, R2		// cmsg_len, no more than controllen
	MOVWU	S_CMSG+8(R20), R3
	CMP	$SOL_SOCKET, R3
	BNE	counted
	MOVWU	S_CMSG+12(R20), R3
	CMP	$SCM_RIGHTS, R3
	BNE	counted
	SUB	$16, R2
	LSR	$2, R2, R6
counted:
	// End of file (0 bytes, no descriptors): the caller has gone.
	CBNZ	R26, notempty
	CBZ	R6, gone
notempty:
	// Not exactly RequestFDs descriptors, or truncated: close what came
	// and drop the message.
	MOVWU	S_MSG+48(R20), R0
	TST	$(MSG_TRUNC|MSG_CTRUNC), R0
	BNE	drop
	CMP	$RequestFDs, R6
	BNE	drop
	MOVWU	0(R7), R9
	MOVWU	4(R7), R10
	MOVWU	8(R7), R11
	MOVWU	12(R7), R12
	MOVWU	16(R7), R13

	// Check the request as DecodeRequest does (R26 its length): the
	// header, the pointer table within the message, every offset past the
	// table and inside the message; each offset in the table becomes its
	// address, making argv and envp in place.
	CMP	$32, R26
	BLO	badrequest
	MOVWU	0(R19), R0
	MOVD	$0x4750, R1		// RequestMagic 0x51524750
	MOVK	$(0x5152<<16), R1
	CMP	R1, R0
	BNE	badrequest
	MOVWU	4(R19), R0
	CMP	R26, R0
	BNE	badrequest
	ADD	R26, R19, R0
	MOVBU	-1(R0), R0
	CBNZ	R0, badrequest
	MOVWU	16(R19), R2		// argc
	MOVWU	20(R19), R3		// envc
	CBZ	R2, badrequest
	ADD	R2, R3, R4		// R4: the table's end, 32+8*(argc+envc+2)
	ADD	$2, R4
	LSL	$3, R4
	ADD	$32, R4
	CMP	R26, R4
	BHI	badrequest
	MOVWU	24(R19), R14		// path
	BADOFF(R14, badrequest)
	ADD	R19, R14
	MOVWU	28(R19), R17		// directory
	CBZ	R17, nodir
	BADOFF(R17, badrequest)
	ADD	R19, R17
nodir:
	ADD	$32, R19, R15		// argv
	MOVD	R15, R5
argvloop:
	CBZ	R2, argvend
	MOVD	(R5), R0
	BADOFF(R0, badrequest)
	ADD	R19, R0
	MOVD.P	R0, 8(R5)
	SUB	$1, R2
	B	argvloop
argvend:
	MOVD.P	8(R5), R0
	CBNZ	R0, badrequest
	MOVD	R5, R16			// envp
envloop:
	CBZ	R3, envend
	MOVD	(R5), R0
	BADOFF(R0, badrequest)
	ADD	R19, R0
	MOVD.P	R0, 8(R5)
	SUB	$1, R3
	B	envloop
envend:
	MOVD	(R5), R0
	CBNZ	R0, badrequest

	// A free slot, else StageBusy.
	MOVD	ZR, R0
freeloop:
	ADD	R0<<5, R21, R1
	MOVD	SL_PID(R1), R1
	CBZ	R1, freefound
	ADD	$1, R0
	CMP	$MaxRuns, R0
	BLO	freeloop
	MOVD	$StageBusy, R1
	MOVD	$EAGAIN, R2
	B	fail
freefound:
	MOVD	R0, S_SLOT(R20)

	// pipe2(errpipe, O_CLOEXEC): the child reports a failed step on it.
	ADD	$S_PIPE, R20, R0
	MOVD	$O_CLOEXEC, R1
	SYSCALL(SYS_pipe2)
	TBZ	$63, R0, piped
	NEG	R0, R2
	MOVD	$StageFork, R1
	B	fail
piped:
	// The start: clock_gettime(CLOCK_MONOTONIC), in ns.
	MOVD	$CLOCK_MONOTONIC, R0
	ADD	$S_TS, R20, R1
	SYSCALL(SYS_clock_gettime)
	MOVD	S_TS(R20), R0
	MOVD	$1000000000, R1
	MUL	R1, R0
	MOVD	S_TS+8(R20), R1
	ADD	R1, R0
	MOVD	R0, S_START(R20)

	// clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|SIGCHLD, 0, &pidfd, 0, 0):
	// arm64's order is (flags, newsp, parent_tid, tls, child_tid); the
	// pidfd is stored at parent_tid. Once it failed with EINVAL (qemu-user
	// refuses CLONE_PIDFD, and turns vfork into fork), clone without it
	// and pidfd_open the child after its exec.
	MOVD	$-1, R0
	MOVW	R0, S_PIDFD(R20)
	MOVD	S_NOPIDFD(R20), R0
	CBNZ	R0, clonenopidfd
	MOVD	$(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|SIGCHLD), R0
	MOVD	ZR, R1
	ADD	$S_PIDFD, R20, R2
	MOVD	ZR, R3
	MOVD	ZR, R4
	SYSCALL(SYS_clone)
	CBZ	R0, child
	CMN	$EINVAL, R0
	BNE	cloned
	MOVD	$1, R0
	MOVD	R0, S_NOPIDFD(R20)
clonenopidfd:
	MOVD	$(CLONE_VM|CLONE_VFORK|SIGCHLD), R0
	MOVD	ZR, R1
	MOVD	ZR, R2
	MOVD	ZR, R3
	MOVD	ZR, R4
	SYSCALL(SYS_clone)
	CBZ	R0, child
cloned:
	TBZ	$63, R0, parent
	// clone failed: close errpipe, StageFork.
	NEG	R0, R7
	MOVWU	S_PIPE(R20), R0
	SYSCALL(SYS_close)
	MOVWU	S_PIPE+4(R20), R0
	SYSCALL(SYS_close)
	MOVD	$StageFork, R1
	MOVD	R7, R2
	B	fail

	// The child, sharing the spawner's memory until it execs: it writes
	// only S_CHILDBUF and uses no stack. A failed step branches to
	// childfail with the stage in R1 and -errno in R0.
child:
	// First the request's ignored signals, in the child's own table
	// (without CLONE_SIGHAND its dispositions are a copy; all the others
	// are SIG_DFL, as in the spawner), never SIGKILL nor SIGSTOP. R5: the
	// bits left, R6: the signal.
	MOVD	8(R19), R5
	MOVD	$((1<<(SIGKILL-1))|(1<<(SIGSTOP-1))), R0
	BIC	R0, R5
	MOVD	$1, R6
childsig:
	CBZ	R5, childpgid
	TBZ	$0, R5, childsignext
	MOVD	R6, R0
	ADD	$S_CHILDSA, R20, R1
	MOVD	ZR, R2
	MOVD	$8, R3
	SYSCALL(SYS_rt_sigaction)
childsignext:
	LSR	$1, R5
	ADD	$1, R6
	B	childsig

childpgid:
	// setpgid(0, 0): its own process group.
	MOVD	ZR, R0
	MOVD	ZR, R1
	SYSCALL(SYS_setpgid)
	MOVD	$StageSetpgid, R1
	TBNZ	$63, R0, childfail
	// prctl(PR_SET_PDEATHSIG, SIGKILL), then the parent must still be
	// the spawner (else it died before: ESRCH).
	MOVD	$PR_SET_PDEATHSIG, R0
	MOVD	$SIGKILL, R1
	SYSCALL(SYS_prctl)
	MOVD	$StageDeathSignal, R1
	TBNZ	$63, R0, childfail
	SYSCALL(SYS_getppid)
	MOVD	$StageDeathSignal, R1
	CMP	R24, R0
	BEQ	childparent
	MOVD	$-ESRCH, R0
	B	childfail
childparent:
	// dup3(stdin, 0, 0), dup3(stdout, 1, 0), dup3(stderr, 2, 0): the
	// received descriptors are all above 3.
	MOVD	R9, R0
	MOVD	$0, R1
	MOVD	ZR, R2
	SYSCALL(SYS_dup3)
	MOVD	$StageDup, R1
	TBNZ	$63, R0, childfail
	MOVD	R10, R0
	MOVD	$1, R1
	MOVD	ZR, R2
	SYSCALL(SYS_dup3)
	MOVD	$StageDup, R1
	TBNZ	$63, R0, childfail
	MOVD	R11, R0
	MOVD	$2, R1
	MOVD	ZR, R2
	SYSCALL(SYS_dup3)
	MOVD	$StageDup, R1
	TBNZ	$63, R0, childfail
	// chdir(dir) if the request has one.
	CBZ	R17, childnodir
	MOVD	R17, R0
	SYSCALL(SYS_chdir)
	MOVD	$StageChdir, R1
	TBNZ	$63, R0, childfail
childnodir:
	// prlimit64(0, RLIMIT_NOFILE, &orig, NULL): the caller's limit.
	MOVD	ZR, R0
	MOVD	$RLIMIT_NOFILE, R1
	ADD	$S_ORIGLIM, R20, R2
	MOVD	ZR, R3
	SYSCALL(SYS_prlimit64)
	MOVD	$StageRlimit, R1
	TBNZ	$63, R0, childfail
	// execve(path, argv, envp).
	MOVD	R14, R0
	MOVD	R15, R1
	MOVD	R16, R2
	SYSCALL(SYS_execve)
	MOVD	$StageExec, R1
childfail:
	// write(errpipe, {stage, 0, errno}, 16), exit_group(127).
	ADD	$S_CHILDBUF, R20, R3
	MOVW	R1, 0(R3)
	MOVW	ZR, 4(R3)
	NEG	R0, R0
	MOVD	R0, 8(R3)
	MOVWU	S_PIPE+4(R20), R0
	MOVD	R3, R1
	MOVD	$16, R2
	SYSCALL(SYS_write)
	MOVD	$127, R0
	SYSCALL(SYS_exit_group)

	// The spawner, once the child has execed or failed (R0 its pid).
parent:
	MOVD	R0, R26
	// Close errpipe's write end; read its read end (EINTR: again): 0
	// bytes, the exec succeeded; 16, the stage and errno. R7: the count.
	MOVWU	S_PIPE+4(R20), R0
	SYSCALL(SYS_close)
errread:
	MOVWU	S_PIPE(R20), R0
	ADD	$S_ERRBUF, R20, R1
	MOVD	$16, R2
	SYSCALL(SYS_read)
	CMN	$EINTR, R0
	BEQ	errread
	MOVD	R0, R7
	MOVWU	S_PIPE(R20), R0
	SYSCALL(SYS_close)
	// The child's stdio is the child's now: close the spawner's.
	MOVD	R9, R0
	SYSCALL(SYS_close)
	MOVD	R10, R0
	SYSCALL(SYS_close)
	MOVD	R11, R0
	SYSCALL(SYS_close)
	MOVD	$-1, R9
	MOVD	$-1, R10
	MOVD	$-1, R11
	CMP	$16, R7
	BNE	execd
	// The start failed: reap the child, close its pidfd, reply.
childreap:
	MOVD	R26, R0
	ADD	$S_STATUS, R20, R1
	MOVD	ZR, R2
	MOVD	ZR, R3
	SYSCALL(SYS_wait4)
	CMN	$EINTR, R0
	BEQ	childreap
	MOVW	S_PIDFD(R20), R0
	TBNZ	$63, R0, nopidfdclose
	SYSCALL(SYS_close)
nopidfdclose:
	MOVWU	S_ERRBUF(R20), R1
	MOVD	S_ERRBUF+8(R20), R2
	B	fail

execd:
	// No pidfd (clone without CLONE_PIDFD, or a kernel before 5.2 that
	// ignored the flag and left S_PIDFD at -1): pidfd_open(pid, 0), the
	// child being unreaped; failing, kill and reap the child and reply
	// StagePidfd.
	MOVW	S_PIDFD(R20), R0
	TBZ	$63, R0, havepidfd
	MOVD	R26, R0
	MOVD	ZR, R1
	SYSCALL(SYS_pidfd_open)
	TBNZ	$63, R0, pidfdfailed
	MOVW	R0, S_PIDFD(R20)
	B	havepidfd
pidfdfailed:
	NEG	R0, R7
	MOVD	R26, R0
	MOVD	$SIGKILL, R1
	SYSCALL(SYS_kill)
pidfdreap:
	MOVD	R26, R0
	ADD	$S_STATUS, R20, R1
	MOVD	ZR, R2
	MOVD	ZR, R3
	SYSCALL(SYS_wait4)
	CMN	$EINTR, R0
	BEQ	pidfdreap
	MOVD	$StagePidfd, R1
	MOVD	R7, R2
	B	fail

havepidfd:
	// The started message {StartedTag, 0, pid, start} with the pidfd by
	// SCM_RIGHTS, on the side socket (MSG_NOSIGNAL|MSG_DONTWAIT; its
	// failure changes nothing); close the side socket.
	MOVD	$0x7473, R0		// StartedTag 0x74727473
	MOVK	$(0x7472<<16), R0
	MOVD	R0, S_STARTED(R20)	// the tag and a 0
	MOVD	R26, S_STARTED+8(R20)
	MOVD	S_START(R20), R0
	MOVD	R0, S_STARTED+16(R20)
	MOVD	$20, R0			// cmsghdr {len 16+4, SOL_SOCKET, SCM_RIGHTS}
	MOVD	R0, S_SCMSG(R20)
	MOVD	$SOL_SOCKET, R0
	MOVW	R0, S_SCMSG+8(R20)
	MOVD	$SCM_RIGHTS, R0
	MOVW	R0, S_SCMSG+12(R20)
	MOVWU	S_PIDFD(R20), R0
	MOVD	R0, S_SCMSG+16(R20)	// the pidfd and 4 bytes of padding
	ADD	$S_STARTED, R20, R0
	MOVD	R0, S_IOV(R20)
	MOVD	$StartedSize, R0
	MOVD	R0, S_IOV+8(R20)
	MOVD	ZR, S_MSG(R20)
	MOVD	ZR, S_MSG+8(R20)
	ADD	$S_IOV, R20, R0
	MOVD	R0, S_MSG+16(R20)
	MOVD	$1, R0
	MOVD	R0, S_MSG+24(R20)
	ADD	$S_SCMSG, R20, R0
	MOVD	R0, S_MSG+32(R20)
	MOVD	$24, R0
	MOVD	R0, S_MSG+40(R20)
	MOVD	ZR, S_MSG+48(R20)
	MOVD	R13, R0
	ADD	$S_MSG, R20, R1
	MOVD	$(MSG_NOSIGNAL|MSG_DONTWAIT), R2
	SYSCALL(SYS_sendmsg)
	MOVD	R13, R0
	SYSCALL(SYS_close)

	// Fill the slot and its pollfds {pidfd, POLLIN}, {run socket, POLLIN};
	// poll up to it.
	MOVD	S_SLOT(R20), R0
	SLOTPOLL(R0, R1, R2)
	MOVD	R26, SL_PID(R1)
	MOVWU	S_PIDFD(R20), R3
	MOVW	R3, SL_PIDFD(R1)
	MOVW	R12, SL_RUN(R1)
	MOVD	S_START(R20), R4
	MOVD	R4, SL_START(R1)
	MOVD	$(POLLIN<<32), R4
	ORR	R4, R3, R5
	MOVD	R5, 8(R2)
	ORR	R4, R12, R5
	MOVD	R5, 16(R2)
	ADD	$1, R0
	CMP	R23, R0
	BLS	recv
	MOVD	R0, R23
	B	recv

badrequest:
	MOVD	$StageRequest, R1
	MOVD	$EINVAL, R2
	// fail: the failed reply {FailedTag, stage R1, errno R2} on the run
	// socket (R12); drain and close it, close the side socket and the
	// stdio descriptors still open (-1 once closed); next request.
fail:
	ADD	$S_REPLY, R20, R3
	MOVD	$0x4750, R0		// FailedTag 0x52454750
	MOVK	$(0x5245<<16), R0
	MOVW	R0, 0(R3)
	MOVW	R1, 4(R3)
	MOVD	R2, 8(R3)
	MOVD	R12, R0
	MOVD	R3, R1
	MOVD	$FailedSize, R2
	MOVD	$(MSG_NOSIGNAL|MSG_DONTWAIT), R3
	MOVD	ZR, R4
	MOVD	ZR, R5
	SYSCALL(SYS_sendto)
	DRAIN(R12, faildrain)
	MOVD	R12, R0
	SYSCALL(SYS_close)
	MOVD	R13, R0
	SYSCALL(SYS_close)
	TBNZ	$63, R9, recv		// stdio already closed
	MOVD	R9, R0
	SYSCALL(SYS_close)
	MOVD	R10, R0
	SYSCALL(SYS_close)
	MOVD	R11, R0
	SYSCALL(SYS_close)
	B	recv

	// drop: close every descriptor received (R6 of them at R7).
drop:
	CBZ	R6, recv
	MOVWU.P	4(R7), R0
	SYSCALL(SYS_close)
	SUB	$1, R6
	B	drop

	// gone: the caller has gone. Kill every child and its group; exit.
gone:
	MOVD	ZR, R9
goneloop:
	CMP	R23, R9
	BHS	goneexit
	ADD	R9<<5, R21, R10
	MOVD	SL_PID(R10), R12
	CBZ	R12, gonenext
	MOVWU	SL_PIDFD(R10), R0
	MOVD	$SIGKILL, R1
	MOVD	ZR, R2
	MOVD	ZR, R3
	SYSCALL(SYS_pidfd_send_signal)
	NEG	R12, R0
	MOVD	$SIGKILL, R1
	SYSCALL(SYS_kill)
gonenext:
	ADD	$1, R9
	B	goneloop
goneexit:
	MOVD	ZR, R0
	SYSCALL(SYS_exit_group)
	B	goneexit

// func spawnerMainPC() uintptr
TEXT ·spawnerMainPC(SB), NOSPLIT, $0-8
	MOVD	$·spawnerMain(SB), R0
	MOVD	R0, ret+0(FP)
	RET
