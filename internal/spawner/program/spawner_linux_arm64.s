// The spawner program for linux/arm64 (stub: exits at once).

#include "textflag.h"

#define SYS_exit_group 94

// func spawnerMain()
TEXT ·spawnerMain(SB), NOSPLIT|NOFRAME, $0
	MOVD	$0, R0
	MOVD	$SYS_exit_group, R8
	SVC
	B	0(PC)

// func spawnerMainPC() uintptr
TEXT ·spawnerMainPC(SB), NOSPLIT, $0-8
	MOVD	$·spawnerMain(SB), R0
	MOVD	R0, ret+0(FP)
	RET
