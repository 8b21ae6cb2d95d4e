// The spawner program for linux/amd64: see doc.go and protocol.go.
//
// spawnerMain is never called from Go. Its bytes are copied into a minimal
// ELF image (elf.go) and executed as a process of their own, entered by
// the kernel on the initial stack (SP points at argc). It may therefore
// use only system calls, relative jumps to its own labels and its stack:
// no CALL, no symbol, no data section, no Go runtime.
//
// Frame: the program moves SP down by FRAME once and never again (no
// PUSH, no CALL); every variable is at a fixed offset from SP. From the
// bottom: the request buffer (REQ, MaxRequest bytes, touched only as far
// as the largest request received), the pollfd array, the slot table,
// then the small variables. Everything above REQ is written before the
// hello, so the program's peak after the hello grows only with the largest
// request.
//
// Registers: none is live across the main loop; each block loads what it
// needs from the frame. SYSCALL clobbers AX (the result), CX and R11;
// DI, SI, DX, R10, R8, R9 are the arguments. Blocks that loop over slots
// keep the slot index in BX, the slot's address in R12 and its pollfd's
// address in R13. A failed spawn reaches the fail block with the stage in
// R14 and the errno in R15.
//
// A system call's result in AX is an error when negative (−errno): none
// of the calls made here returns an address.
//
// The request's ignored signals are set by the child, between clone and
// exec, not in the spawner for the child to inherit: a SIGCHLD ignored in
// the spawner would make the kernel reap its children itself, and wait4
// would have no rusage to give. The spawner keeps every disposition at
// SIG_DFL; the child makes one rt_sigaction per ignored signal.

#include "textflag.h"

// System call numbers (golang.org/x/sys/unix zsysnum_linux_amd64.go).
#define SYS_read		0
#define SYS_write		1
#define SYS_close		3
#define SYS_rt_sigaction	13
#define SYS_rt_sigprocmask	14
#define SYS_getpid		39
#define SYS_sendto		44
#define SYS_recvfrom		45
#define SYS_sendmsg		46
#define SYS_recvmsg		47
#define SYS_clone		56
#define SYS_execve		59
#define SYS_wait4		61
#define SYS_kill		62
#define SYS_fcntl		72
#define SYS_chdir		80
#define SYS_setpgid		109
#define SYS_getppid		110
#define SYS_prctl		157
#define SYS_clock_gettime	228
#define SYS_exit_group		231
#define SYS_ppoll		271
#define SYS_dup3		292
#define SYS_pipe2		293
#define SYS_prlimit64		302
#define SYS_pidfd_send_signal	424
#define SYS_pidfd_open		434

// Constants of the kernel's ABI.
#define CLONE_VM		0x100
#define CLONE_PIDFD		0x1000
#define CLONE_VFORK		0x4000
#define SIGKILL			9
#define SIGCHLD			17
#define SIGSTOP			19
#define SIG_SETMASK		2
#define F_SETFD			2
#define FD_CLOEXEC		1
#define O_CLOEXEC		0x80000
#define RLIMIT_NOFILE		7
#define PR_SET_PDEATHSIG	1
#define PR_SET_NAME		15
#define CLOCK_MONOTONIC		1
#define MSG_CTRUNC		0x8
#define MSG_TRUNC		0x20
#define MSG_DONTWAIT		0x40
#define MSG_NOSIGNAL		0x4000
#define MSG_CMSG_CLOEXEC	0x40000000
#define SOL_SOCKET		1
#define SCM_RIGHTS		1
#define POLLIN			0x1
#define POLLERR			0x8
#define POLLHUP			0x10
#define ESRCH			3
#define EINTR			4
#define EAGAIN			11
#define EINVAL			22

// The wire format (protocol.go).
#define HELLO_MAGIC		0x01314e5741505347
#define REQUEST_MAGIC		0x51524750
#define STARTED_TAG		0x74727473
#define EXITED_TAG		0x58454750
#define FAILED_TAG		0x52454750
#define EXITED_SIZE		160
#define FAILED_SIZE		16
#define STARTED_SIZE		24
#define MAX_REQUEST		131072
#define MAX_RUNS		256
#define STAGE_REQUEST		1
#define STAGE_BUSY		2
#define STAGE_FORK		3
#define STAGE_SETPGID		4
#define STAGE_DEATHSIGNAL	5
#define STAGE_DUP		6
#define STAGE_CHDIR		7
#define STAGE_RLIMIT		8
#define STAGE_EXEC		9
#define STAGE_PIDFD		10

// The frame, offsets from SP.
#define REQ	0	// request buffer, MAX_REQUEST bytes
#define POLL	131072	// struct pollfd[1+2*MAX_RUNS]: control, then pidfd and run socket of slot i at 1+2i, 2+2i
#define SLOTS	135176	// slot[MAX_RUNS], 32 bytes: pid (0: free), pidfd, run socket, start ns
#define MSG	143368	// struct msghdr (56) for recvmsg on the control socket
#define IOV	143424	// struct iovec (16) of MSG: REQ, MAX_REQUEST
#define CMSG	143440	// control buffer of MSG (64): room for 12 descriptors
#define REPLY	143504	// the reply being sent (160)
#define TS	143664	// struct timespec (16)
#define DRAIN	143680	// bytes read from a run socket and dropped (16)
#define EPIPE	143696	// int[2] from pipe2: read end, write end
#define EBUF	143704	// the spawner's read of the exec-error pipe (16)
#define CHILD	143720	// the child's exec-error record (16): the child's only writes
#define STARTED	143736	// the "started" message (24)
#define SCMSG	143760	// its control message (24): one SCM_RIGHTS of the pidfd
#define SMSG	143784	// struct msghdr (56) for sendmsg of the "started" message
#define SIOV	143840	// struct iovec (16) of SMSG
#define ACTDFL	143856	// struct sigaction (32) of SIG_DFL: all zero
#define ACTIGN	143888	// struct sigaction (32) of SIG_IGN: handler 1
#define EMPTY	143920	// an empty sigset (8)
#define RLORIG	143928	// struct rlimit (16) of RLIMIT_NOFILE at exec, for the children
#define RLNEW	143944	// struct rlimit (16): soft raised to hard
#define NAME	143960	// "perfgate-spawn\0" (16)
#define HELLO	143976	// the hello (16)
#define MYPID	143992	// the spawner's pid
#define HI	144000	// slots in use are below HI
#define NOPIDFD	144008	// 1 once clone refused CLONE_PIDFD
#define CREV	144016	// the control socket's revents
#define NREQ	144024	// length of the request received
#define PATH	144032	// the request's path (address)
#define DIR	144040	// its directory (address, 0 for none)
#define ARGV	144048	// its argv (address of the table)
#define ENVP	144056	// its envp (address)
#define IGN	144064	// its ignored signals
#define FD0	144072	// its descriptors: stdin
#define FD1	144080	// stdout
#define FD2	144088	// stderr
#define FDRUN	144096	// the run socket
#define FDSIDE	144104	// the side socket
#define SLOTIX	144112	// the slot chosen for the spawn
#define CPID	144120	// the new child's pid
#define CPIDFD	144128	// its pidfd (int, written by clone)
#define START	144136	// its start, CLOCK_MONOTONIC ns
#define FRAME	144144	// the frame's size, a multiple of 16

// SYS(n): AX = system call n, its arguments already in DI, SI, DX, R10, R8, R9.
#define SYS(n)	MOVL $n, AX; SYSCALL

// CLOSE(fd) closes the descriptor held at fd(SP); errors are ignored.
#define CLOSE(fd)	MOVQ fd(SP), DI; MOVL $SYS_close, AX; SYSCALL

// KILLGROUP(pid) sends SIGKILL to the process group of the pid in pid.
#define KILLGROUP(pid)	MOVQ pid, DI; NEGQ DI; MOVL $SIGKILL, SI; MOVL $SYS_kill, AX; SYSCALL

// PIDFDKILL(fd) sends SIGKILL through the pidfd in fd.
#define PIDFDKILL(fd)	MOVQ fd, DI; MOVL $SIGKILL, SI; XORL DX, DX; XORL R10, R10; MOVL $SYS_pidfd_send_signal, AX; SYSCALL

// SLOT: R12 = the address of slot BX (32 bytes a slot).
#define SLOT	MOVQ BX, R12; SHLQ $5, R12; LEAQ SLOTS(SP)(R12*1), R12

// POLLFD(off): R13 = the address of slot BX's pollfd at POLL+off (16 bytes
// a slot: off 8 is its pidfd's, 16 its run socket's).
#define POLLFD(off)	MOVQ BX, R13; SHLQ $4, R13; LEAQ POLL+off(SP)(R13*1), R13

// NOW(dst) stores CLOCK_MONOTONIC in ns into dst (through TS).
#define NOW(dst)	MOVL $CLOCK_MONOTONIC, DI; LEAQ TS(SP), SI; MOVL $SYS_clock_gettime, AX; SYSCALL; \
			MOVQ TS(SP), AX; IMULQ $1000000000, AX; ADDQ TS+8(SP), AX; MOVQ AX, dst

// func spawnerMain()
TEXT ·spawnerMain(SB), NOSPLIT|NOFRAME, $0
	// Fork once: the launcher (the caller's child) exits at once, with
	// 1 if the fork failed; its child goes on as the spawner.
	MOVQ	$SIGCHLD, DI
	XORL	SI, SI
	XORL	DX, DX
	XORL	R10, R10
	XORL	R8, R8
	SYS(SYS_clone)
	TESTQ	AX, AX
	JEQ	spawner
	SHRQ	$63, AX
	MOVQ	AX, DI
	SYS(SYS_exit_group)

spawner:
	// argc, for later: with any argument after argv[0] the program never
	// asks clone for a pidfd (the path of kernels and emulators that
	// refuse CLONE_PIDFD, for tests on the others).
	MOVQ	0(SP), R15

	// Carve the frame. Write everything above REQ: every pollfd to
	// {-1, POLLIN, 0}, the rest to zero; then pollfd[0] = {3, POLLIN}.
	SUBQ	$FRAME, SP
	LEAQ	POLL(SP), DI
	LEAQ	SLOTS(SP), SI
	MOVQ	$0x00000001ffffffff, AX
initpoll:
	MOVQ	AX, (DI)
	ADDQ	$8, DI
	CMPQ	DI, SI
	JCS	initpoll
	LEAQ	FRAME(SP), SI
initzero:
	MOVQ	$0, (DI)
	ADDQ	$8, DI
	CMPQ	DI, SI
	JCS	initzero
	MOVQ	$0x0000000100000003, AX
	MOVQ	AX, POLL(SP)
	MOVQ	$1, ACTIGN(SP)
	CMPQ	R15, $1
	JLE	cloexec
	MOVQ	$1, NOPIDFD(SP)

cloexec:

	// The control socket (3) is not the children's: close-on-exec.
	MOVL	$3, DI
	MOVL	$F_SETFD, SI
	MOVL	$FD_CLOEXEC, DX
	SYS(SYS_fcntl)

	// No signal blocked: rt_sigprocmask(SIG_SETMASK, &empty, NULL, 8).
	MOVL	$SIG_SETMASK, DI
	LEAQ	EMPTY(SP), SI
	XORL	DX, DX
	MOVL	$8, R10
	SYS(SYS_rt_sigprocmask)

	// Every signal 1..64 but SIGKILL and SIGSTOP to SIG_DFL.
	MOVL	$1, BX
sigdfl:
	CMPL	BX, $SIGKILL
	JEQ	sigdflnext
	CMPL	BX, $SIGSTOP
	JEQ	sigdflnext
	MOVL	BX, DI
	LEAQ	ACTDFL(SP), SI
	XORL	DX, DX
	MOVL	$8, R10
	SYS(SYS_rt_sigaction)
sigdflnext:
	INCL	BX
	CMPL	BX, $64
	JLE	sigdfl

	// RLIMIT_NOFILE: keep the limit at exec for the children
	// (prlimit64(0, RLIMIT_NOFILE, NULL, &orig)), raise the soft limit
	// to the hard one for the spawner.
	XORL	DI, DI
	MOVL	$RLIMIT_NOFILE, SI
	XORL	DX, DX
	LEAQ	RLORIG(SP), R10
	SYS(SYS_prlimit64)
	TESTQ	AX, AX
	JLT	fatal
	MOVQ	RLORIG+8(SP), AX
	MOVQ	AX, RLNEW(SP)
	MOVQ	AX, RLNEW+8(SP)
	XORL	DI, DI
	MOVL	$RLIMIT_NOFILE, SI
	LEAQ	RLNEW(SP), DX
	XORL	R10, R10
	SYS(SYS_prlimit64)

	// prctl(PR_SET_NAME, "perfgate-spawn").
	MOVQ	$0x6574616766726570, AX // "perfgate"
	MOVQ	AX, NAME(SP)
	MOVQ	$0x00006e776170732d, AX // "-spawn\0\0"
	MOVQ	AX, NAME+8(SP)
	MOVL	$PR_SET_NAME, DI
	LEAQ	NAME(SP), SI
	SYS(SYS_prctl)

	// The hello: magic, getpid(), MaxRuns, sent with MSG_NOSIGNAL.
	SYS(SYS_getpid)
	MOVQ	AX, MYPID(SP)
	MOVL	AX, HELLO+8(SP)
	MOVQ	$HELLO_MAGIC, AX
	MOVQ	AX, HELLO(SP)
	MOVL	$MAX_RUNS, HELLO+12(SP)
	MOVL	$3, DI
	LEAQ	HELLO(SP), SI
	MOVL	$16, DX
	MOVL	$MSG_NOSIGNAL, R10
	XORL	R8, R8
	XORL	R9, R9
	SYS(SYS_sendto)
	TESTQ	AX, AX
	JLT	fatal

loop:
	// Lower HI past the free slots at the top.
	MOVQ	HI(SP), AX
	TESTQ	AX, AX
	JEQ	poll
	DECQ	AX
	SHLQ	$5, AX
	CMPQ	SLOTS(SP)(AX*1), $0
	JNE	poll
	DECQ	HI(SP)
	JMP	loop

poll:
	// ppoll(POLL, 1+2*HI, NULL, NULL, 8): no timeout, the caller holds
	// every deadline. EINTR: again. Another error: give up as if the
	// caller had gone.
	LEAQ	POLL(SP), DI
	MOVQ	HI(SP), SI
	SHLQ	$1, SI
	INCQ	SI
	XORL	DX, DX
	XORL	R10, R10
	MOVL	$8, R8
	SYS(SYS_ppoll)
	CMPQ	AX, $-EINTR
	JEQ	poll
	TESTQ	AX, AX
	JLT	gone

	// 1. Every child whose pidfd is readable has exited: finish it.
	XORL	BX, BX
reap:
	CMPQ	BX, HI(SP)
	JGE	reapdone
	SLOT
	CMPQ	0(R12), $0
	JEQ	reapnext
	POLLFD(8)
	MOVWLZX	6(R13), AX
	TESTL	$(POLLIN|POLLHUP|POLLERR), AX
	JEQ	reapnext

	// The end, then SIGKILL to what is left of its group (before the
	// reap, while the group id cannot be reused).
	NOW(REPLY+8(SP))
	KILLGROUP(0(R12))
reapwait:
	// wait4(pid, &REPLY.status, 0, &REPLY.rusage); EINTR: again. A
	// failure (impossible while SIGCHLD is not ignored) sends no reply:
	// the caller sees the run socket close without one.
	MOVQ	0(R12), DI
	LEAQ	REPLY+4(SP), SI
	XORL	DX, DX
	LEAQ	REPLY+16(SP), R10
	SYS(SYS_wait4)
	CMPQ	AX, $-EINTR
	JEQ	reapwait
	TESTQ	AX, AX
	JLT	reapdrain

	// The exited reply: tag, status, wall = end - start, rusage.
	MOVL	$EXITED_TAG, REPLY(SP)
	MOVQ	24(R12), AX
	SUBQ	AX, REPLY+8(SP)
	MOVQ	16(R12), DI
	LEAQ	REPLY(SP), SI
	MOVL	$EXITED_SIZE, DX
	MOVL	$(MSG_NOSIGNAL|MSG_DONTWAIT), R10
	XORL	R8, R8
	XORL	R9, R9
	SYS(SYS_sendto)

reapdrain:
	// Drop what is queued on the run socket (closing a unix socket with
	// unread data would make the caller's read fail with ECONNRESET).
	MOVQ	16(R12), DI
	LEAQ	DRAIN(SP), SI
	MOVL	$16, DX
	MOVL	$MSG_DONTWAIT, R10
	XORL	R8, R8
	XORL	R9, R9
	SYS(SYS_recvfrom)
	TESTQ	AX, AX
	JGT	reapdrain

	// Close the run socket and the pidfd, free the slot.
	MOVQ	16(R12), DI
	SYS(SYS_close)
	MOVQ	8(R12), DI
	SYS(SYS_close)
	MOVQ	$0, 0(R12)
	MOVL	$-1, 0(R13)
	MOVL	$-1, 8(R13)
reapnext:
	INCQ	BX
	JMP	reap
reapdone:

	// 2. Every run socket readable: a kill byte, end of file or an error
	// kills the child and its group. End of file or an error: stop
	// polling the socket (it is closed when the child is finished).
	XORL	BX, BX
killscan:
	CMPQ	BX, HI(SP)
	JGE	killdone
	SLOT
	CMPQ	0(R12), $0
	JEQ	killnext
	POLLFD(16)
	MOVWLZX	6(R13), AX
	TESTL	$(POLLIN|POLLHUP|POLLERR), AX
	JEQ	killnext
	MOVQ	16(R12), DI
	LEAQ	DRAIN(SP), SI
	MOVL	$16, DX
	MOVL	$MSG_DONTWAIT, R10
	XORL	R8, R8
	XORL	R9, R9
	SYS(SYS_recvfrom)
	CMPQ	AX, $-EAGAIN
	JEQ	killnext
	CMPQ	AX, $-EINTR
	JEQ	killnext
	MOVQ	AX, R14
	PIDFDKILL(8(R12))
	KILLGROUP(0(R12))
	TESTQ	R14, R14
	JGT	killnext
	MOVL	$-1, 0(R13)
killnext:
	INCQ	BX
	JMP	killscan
killdone:

	// 3. The control socket: take every request waiting.
	MOVWLZX	POLL+6(SP), AX
	MOVQ	AX, CREV(SP)
	TESTL	$(POLLIN|POLLHUP|POLLERR), AX
	JEQ	loop

recvnext:
	// recvmsg(3, MSG, MSG_DONTWAIT|MSG_CMSG_CLOEXEC) into REQ, with up
	// to 12 descriptors into CMSG. EINTR: again; EAGAIN: back to ppoll,
	// unless the socket hung up. 0 bytes and no descriptors: the caller
	// has gone.
	MOVQ	$0, MSG(SP)
	MOVQ	$0, MSG+8(SP)
	LEAQ	IOV(SP), AX
	MOVQ	AX, MSG+16(SP)
	MOVQ	$1, MSG+24(SP)
	LEAQ	CMSG(SP), AX
	MOVQ	AX, MSG+32(SP)
	MOVQ	$64, MSG+40(SP)
	MOVQ	$0, MSG+48(SP)
	LEAQ	REQ(SP), AX
	MOVQ	AX, IOV(SP)
	MOVQ	$MAX_REQUEST, IOV+8(SP)
	MOVL	$3, DI
	LEAQ	MSG(SP), SI
	MOVL	$(MSG_DONTWAIT|MSG_CMSG_CLOEXEC), DX
	SYS(SYS_recvmsg)
	CMPQ	AX, $-EINTR
	JEQ	recvnext
	CMPQ	AX, $-EAGAIN
	JNE	recvgot
	MOVQ	CREV(SP), AX
	TESTL	$(POLLHUP|POLLERR), AX
	JNE	gone
	JMP	loop
recvgot:
	TESTQ	AX, AX
	JLT	loop
	MOVQ	AX, NREQ(SP)
	JNE	recvfds
	CMPQ	MSG+40(SP), $0
	JEQ	gone

recvfds:
	// Exactly one SCM_RIGHTS of five descriptors (controllen
	// CMSG_SPACE(20) = 40, cmsg_len CMSG_LEN(20) = 36), nothing cut
	// short; else close whatever came and drop the message.
	MOVL	MSG+48(SP), AX
	TESTL	$(MSG_TRUNC|MSG_CTRUNC), AX
	JNE	badfds
	CMPQ	MSG+40(SP), $40
	JNE	badfds
	CMPQ	CMSG(SP), $36
	JNE	badfds
	CMPL	CMSG+8(SP), $SOL_SOCKET
	JNE	badfds
	CMPL	CMSG+12(SP), $SCM_RIGHTS
	JNE	badfds
	MOVLQSX	CMSG+16(SP), AX
	MOVQ	AX, FD0(SP)
	MOVLQSX	CMSG+20(SP), AX
	MOVQ	AX, FD1(SP)
	MOVLQSX	CMSG+24(SP), AX
	MOVQ	AX, FD2(SP)
	MOVLQSX	CMSG+28(SP), AX
	MOVQ	AX, FDRUN(SP)
	MOVLQSX	CMSG+32(SP), AX
	MOVQ	AX, FDSIDE(SP)

	// Check the request as DecodeRequest does, making argv and envp in
	// place. CX = n, SI = the buffer, DI = the end of the table; an
	// offset is good when DI <= off < CX.
	MOVQ	NREQ(SP), CX
	LEAQ	REQ(SP), SI
	CMPQ	CX, $32
	JCS	badreq
	CMPL	0(SI), $REQUEST_MAGIC
	JNE	badreq
	MOVL	4(SI), AX
	CMPQ	AX, CX
	JNE	badreq
	CMPB	-1(SI)(CX*1), $0
	JNE	badreq
	MOVL	16(SI), DX	// argc
	TESTQ	DX, DX
	JEQ	badreq
	MOVL	20(SI), R8	// envc
	LEAQ	2(DX)(R8*1), DI
	SHLQ	$3, DI
	ADDQ	$32, DI
	CMPQ	DI, CX
	JHI	badreq
	// The path.
	MOVL	24(SI), AX
	CMPQ	AX, DI
	JCS	badreq
	CMPQ	AX, CX
	JCC	badreq
	ADDQ	SI, AX
	MOVQ	AX, PATH(SP)
	// The directory, 0 for none.
	MOVL	28(SI), AX
	TESTQ	AX, AX
	JEQ	nodir
	CMPQ	AX, DI
	JCS	badreq
	CMPQ	AX, CX
	JCC	badreq
	ADDQ	SI, AX
nodir:
	MOVQ	AX, DIR(SP)
	// argv: argc offsets, then 0.
	LEAQ	32(SI), R9
	MOVQ	R9, ARGV(SP)
argvnext:
	MOVQ	(R9), AX
	CMPQ	AX, DI
	JCS	badreq
	CMPQ	AX, CX
	JCC	badreq
	ADDQ	SI, AX
	MOVQ	AX, (R9)
	ADDQ	$8, R9
	DECQ	DX
	JNE	argvnext
	CMPQ	(R9), $0
	JNE	badreq
	ADDQ	$8, R9
	// envp: envc offsets, then 0.
	MOVQ	R9, ENVP(SP)
envnext:
	TESTQ	R8, R8
	JEQ	envdone
	MOVQ	(R9), AX
	CMPQ	AX, DI
	JCS	badreq
	CMPQ	AX, CX
	JCC	badreq
	ADDQ	SI, AX
	MOVQ	AX, (R9)
	ADDQ	$8, R9
	DECQ	R8
	JMP	envnext
envdone:
	CMPQ	(R9), $0
	JNE	badreq
	MOVQ	8(SI), AX
	MOVQ	AX, IGN(SP)

	// A free slot, else StageBusy.
	XORL	BX, BX
	LEAQ	SLOTS(SP), R12
findslot:
	CMPQ	0(R12), $0
	JEQ	spawn
	ADDQ	$32, R12
	INCQ	BX
	CMPQ	BX, $MAX_RUNS
	JCS	findslot
	MOVL	$STAGE_BUSY, R14
	MOVL	$EAGAIN, R15
	JMP	fail

spawn:
	// The exec-error pipe, then the start.
	MOVQ	BX, SLOTIX(SP)
	LEAQ	EPIPE(SP), DI
	MOVL	$O_CLOEXEC, SI
	SYS(SYS_pipe2)
	TESTQ	AX, AX
	JGE	piped
	MOVL	$STAGE_FORK, R14
	NEGQ	AX
	MOVQ	AX, R15
	JMP	fail
piped:
	NOW(START(SP))
	MOVQ	$-1, CPIDFD(SP)

clone:
	// clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|SIGCHLD, 0, &CPIDFD, 0, 0):
	// the child runs on this stack while the spawner waits for its exec
	// or exit. EINVAL with CLONE_PIDFD (qemu-user refuses it): again
	// without, for good, and pidfd_open after the exec.
	MOVQ	$(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|SIGCHLD), DI
	CMPQ	NOPIDFD(SP), $0
	JEQ	doclone
	MOVQ	$(CLONE_VM|CLONE_VFORK|SIGCHLD), DI
doclone:
	XORL	SI, SI
	LEAQ	CPIDFD(SP), DX
	XORL	R10, R10
	XORL	R8, R8
	SYS(SYS_clone)
	TESTQ	AX, AX
	JEQ	child
	JGT	parent
	CMPQ	AX, $-EINVAL
	JNE	clonefail
	CMPQ	NOPIDFD(SP), $0
	JNE	clonefail
	MOVQ	$1, NOPIDFD(SP)
	JMP	clone
clonefail:
	NEGQ	AX
	MOVQ	AX, R15
	MOVL	$STAGE_FORK, R14
	MOVLQSX	EPIPE(SP), DI
	SYS(SYS_close)
	MOVLQSX	EPIPE+4(SP), DI
	SYS(SYS_close)
	JMP	fail

child:
	// The child: it shares the spawner's memory, writes only to CHILD and
	// uses no stack. First the request's ignored signals (all others are
	// at SIG_DFL, as in the spawner), never SIGKILL nor SIGSTOP.
	MOVQ	IGN(SP), BX
	MOVL	$1, R12
childsig:
	TESTQ	BX, BX
	JEQ	childpgid
	SHRQ	$1, BX
	JCC	childsignext
	CMPQ	R12, $SIGKILL
	JEQ	childsignext
	CMPQ	R12, $SIGSTOP
	JEQ	childsignext
	MOVQ	R12, DI
	LEAQ	ACTIGN(SP), SI
	XORL	DX, DX
	MOVL	$8, R10
	SYS(SYS_rt_sigaction)
childsignext:
	INCQ	R12
	JMP	childsig

childpgid:
	// setpgid(0, 0): its own process group.
	MOVL	$STAGE_SETPGID, R14
	XORL	DI, DI
	XORL	SI, SI
	SYS(SYS_setpgid)
	TESTQ	AX, AX
	JLT	childfail

	// prctl(PR_SET_PDEATHSIG, SIGKILL); then the parent must still be the
	// spawner, else it died first: ESRCH.
	MOVL	$STAGE_DEATHSIGNAL, R14
	MOVL	$PR_SET_PDEATHSIG, DI
	MOVL	$SIGKILL, SI
	XORL	DX, DX
	XORL	R10, R10
	XORL	R8, R8
	SYS(SYS_prctl)
	TESTQ	AX, AX
	JLT	childfail
	SYS(SYS_getppid)
	CMPQ	AX, MYPID(SP)
	JEQ	childdup
	MOVQ	$-ESRCH, AX
	JMP	childfail

childdup:
	// dup3(stdin, 0, 0), dup3(stdout, 1, 0), dup3(stderr, 2, 0): the
	// received descriptors are all above 3, so none is overwritten.
	MOVL	$STAGE_DUP, R14
	XORL	DX, DX
	MOVQ	FD0(SP), DI
	XORL	SI, SI
	SYS(SYS_dup3)
	TESTQ	AX, AX
	JLT	childfail
	MOVQ	FD1(SP), DI
	MOVL	$1, SI
	SYS(SYS_dup3)
	TESTQ	AX, AX
	JLT	childfail
	MOVQ	FD2(SP), DI
	MOVL	$2, SI
	SYS(SYS_dup3)
	TESTQ	AX, AX
	JLT	childfail

	// chdir(dir) if the request has one.
	MOVQ	DIR(SP), DI
	TESTQ	DI, DI
	JEQ	childrlimit
	MOVL	$STAGE_CHDIR, R14
	SYS(SYS_chdir)
	TESTQ	AX, AX
	JLT	childfail

childrlimit:
	// prlimit64(0, RLIMIT_NOFILE, &orig, NULL): the limit the spawner got.
	MOVL	$STAGE_RLIMIT, R14
	XORL	DI, DI
	MOVL	$RLIMIT_NOFILE, SI
	LEAQ	RLORIG(SP), DX
	XORL	R10, R10
	SYS(SYS_prlimit64)
	TESTQ	AX, AX
	JLT	childfail

	// execve(path, argv, envp): returns only on failure.
	MOVL	$STAGE_EXEC, R14
	MOVQ	PATH(SP), DI
	MOVQ	ARGV(SP), SI
	MOVQ	ENVP(SP), DX
	SYS(SYS_execve)

childfail:
	// Write {stage, 0, errno} to the pipe and exit_group(127).
	NEGQ	AX
	MOVL	R14, CHILD(SP)
	MOVL	$0, CHILD+4(SP)
	MOVQ	AX, CHILD+8(SP)
	MOVLQSX	EPIPE+4(SP), DI
	LEAQ	CHILD(SP), SI
	MOVL	$16, DX
	SYS(SYS_write)
	MOVL	$127, DI
	SYS(SYS_exit_group)

parent:
	// The spawner: close the pipe's write end and read the read end
	// (EINTR: again): 0 bytes, the exec succeeded; 16, it failed.
	MOVQ	AX, CPID(SP)
	MOVLQSX	EPIPE+4(SP), DI
	SYS(SYS_close)
readpipe:
	MOVLQSX	EPIPE(SP), DI
	LEAQ	EBUF(SP), SI
	MOVL	$16, DX
	SYS(SYS_read)
	CMPQ	AX, $-EINTR
	JEQ	readpipe
	MOVQ	AX, R13
	MOVLQSX	EPIPE(SP), DI
	SYS(SYS_close)

	// The child has its own stdio now (or never will): close ours.
	CLOSE(FD0)
	CLOSE(FD1)
	CLOSE(FD2)
	MOVQ	$-1, FD0(SP)
	MOVQ	$-1, FD1(SP)
	MOVQ	$-1, FD2(SP)
	CMPQ	R13, $16
	JEQ	execfailed

	// No pidfd from clone (asked without CLONE_PIDFD, or a kernel before
	// 5.2, which ignores the flag): pidfd_open(pid, 0), safe while the
	// child is unreaped. Its failure (ENOSYS before 5.3): kill and reap
	// the child, StagePidfd.
	MOVLQSX	CPIDFD(SP), AX
	TESTQ	AX, AX
	JGE	started
	MOVQ	CPID(SP), DI
	XORL	SI, SI
	SYS(SYS_pidfd_open)
	MOVQ	AX, CPIDFD(SP)
	TESTQ	AX, AX
	JGE	started
	NEGQ	AX
	MOVQ	AX, R15
	MOVL	$STAGE_PIDFD, R14
	MOVQ	CPID(SP), DI
	MOVL	$SIGKILL, SI
	SYS(SYS_kill)
	JMP	reapfailed

execfailed:
	// The child failed at EBUF's stage with EBUF's errno and exited.
	MOVL	EBUF(SP), R14
	MOVQ	EBUF+8(SP), R15

reapfailed:
	// Reap it (EINTR: again), close its pidfd, reply failed.
	MOVQ	CPID(SP), DI
	XORL	SI, SI
	XORL	DX, DX
	XORL	R10, R10
	SYS(SYS_wait4)
	CMPQ	AX, $-EINTR
	JEQ	reapfailed
	MOVLQSX	CPIDFD(SP), DI
	SYS(SYS_close)
	JMP	fail

started:
	// The "started" message on the side socket with the pidfd
	// (MSG_NOSIGNAL|MSG_DONTWAIT: its failure changes nothing); close
	// the side socket.
	MOVL	$STARTED_TAG, STARTED(SP)
	MOVL	$0, STARTED+4(SP)
	MOVQ	CPID(SP), AX
	MOVQ	AX, STARTED+8(SP)
	MOVQ	START(SP), AX
	MOVQ	AX, STARTED+16(SP)
	LEAQ	STARTED(SP), AX
	MOVQ	AX, SIOV(SP)
	MOVQ	$STARTED_SIZE, SIOV+8(SP)
	MOVQ	$20, SCMSG(SP)
	MOVL	$SOL_SOCKET, SCMSG+8(SP)
	MOVL	$SCM_RIGHTS, SCMSG+12(SP)
	MOVL	CPIDFD(SP), AX
	MOVL	AX, SCMSG+16(SP)
	MOVL	$0, SCMSG+20(SP)
	MOVQ	$0, SMSG(SP)
	MOVQ	$0, SMSG+8(SP)
	LEAQ	SIOV(SP), AX
	MOVQ	AX, SMSG+16(SP)
	MOVQ	$1, SMSG+24(SP)
	LEAQ	SCMSG(SP), AX
	MOVQ	AX, SMSG+32(SP)
	MOVQ	$24, SMSG+40(SP)
	MOVQ	$0, SMSG+48(SP)
	MOVQ	FDSIDE(SP), DI
	LEAQ	SMSG(SP), SI
	MOVL	$(MSG_NOSIGNAL|MSG_DONTWAIT), DX
	SYS(SYS_sendmsg)
	CLOSE(FDSIDE)

	// Fill the slot and its pollfds; raise HI past it.
	MOVQ	SLOTIX(SP), BX
	SLOT
	MOVQ	CPID(SP), AX
	MOVQ	AX, 0(R12)
	MOVLQSX	CPIDFD(SP), AX
	MOVQ	AX, 8(R12)
	MOVQ	FDRUN(SP), CX
	MOVQ	CX, 16(R12)
	MOVQ	START(SP), DX
	MOVQ	DX, 24(R12)
	POLLFD(8)
	MOVL	AX, 0(R13)
	MOVL	CX, 8(R13)
	INCQ	BX
	CMPQ	BX, HI(SP)
	JLS	recvnext
	MOVQ	BX, HI(SP)
	JMP	recvnext

badfds:
	// A message without exactly five descriptors: close every descriptor
	// of its SCM_RIGHTS (as many as fit in the control buffer) and drop
	// it.
	MOVQ	MSG+40(SP), CX
	CMPQ	CX, $16
	JCS	recvnext
	CMPL	CMSG+8(SP), $SOL_SOCKET
	JNE	recvnext
	CMPL	CMSG+12(SP), $SCM_RIGHTS
	JNE	recvnext
	MOVQ	CMSG(SP), BX
	CMPQ	BX, CX
	JLS	badfdscount
	MOVQ	CX, BX
badfdscount:
	SUBQ	$16, BX
	SHRQ	$2, BX
	LEAQ	CMSG+16(SP), R12
badfdsnext:
	TESTQ	BX, BX
	JEQ	recvnext
	MOVLQSX	0(R12), DI
	SYS(SYS_close)
	ADDQ	$4, R12
	DECQ	BX
	JMP	badfdsnext

badreq:
	// A request DecodeRequest refuses: StageRequest, EINVAL.
	MOVL	$STAGE_REQUEST, R14
	MOVL	$EINVAL, R15

fail:
	// The failed reply (stage R14, errno R15) on the run socket; drain
	// and close it; close the side socket and whichever stdio
	// descriptors are still open (-1 once closed).
	MOVL	$FAILED_TAG, REPLY(SP)
	MOVL	R14, REPLY+4(SP)
	MOVQ	R15, REPLY+8(SP)
	MOVQ	FDRUN(SP), DI
	LEAQ	REPLY(SP), SI
	MOVL	$FAILED_SIZE, DX
	MOVL	$(MSG_NOSIGNAL|MSG_DONTWAIT), R10
	XORL	R8, R8
	XORL	R9, R9
	SYS(SYS_sendto)
faildrain:
	MOVQ	FDRUN(SP), DI
	LEAQ	DRAIN(SP), SI
	MOVL	$16, DX
	MOVL	$MSG_DONTWAIT, R10
	XORL	R8, R8
	XORL	R9, R9
	SYS(SYS_recvfrom)
	TESTQ	AX, AX
	JGT	faildrain
	CLOSE(FDRUN)
	CLOSE(FDSIDE)
	CLOSE(FD0)
	CLOSE(FD1)
	CLOSE(FD2)
	JMP	recvnext

gone:
	// The caller has gone: SIGKILL every child (pidfd_send_signal) and
	// its group, and exit.
	XORL	BX, BX
	LEAQ	SLOTS(SP), R12
gonenext:
	CMPQ	BX, HI(SP)
	JGE	fatal
	CMPQ	0(R12), $0
	JEQ	gonestep
	PIDFDKILL(8(R12))
	KILLGROUP(0(R12))
gonestep:
	ADDQ	$32, R12
	INCQ	BX
	JMP	gonenext

fatal:
	// exit_group(0): the caller sees its control socket close.
	XORL	DI, DI
	SYS(SYS_exit_group)
	JMP	fatal

// func spawnerMainPC() uintptr
TEXT ·spawnerMainPC(SB), NOSPLIT, $0-8
	LEAQ	·spawnerMain(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
