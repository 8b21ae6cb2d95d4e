package adapters

// linuxHelpers are the helper processes of the tests that build on
// Linux, with the file each is written in.
var linuxHelpers = []namedHelper{
	{"stale-owner", helperStaleOwner},                        // cgroup_stale_linux_test.go
	{"stale-child", helperStaleChild},                        // cgroup_stale_linux_test.go
	{"long-lived-descriptors", helperLongLivedDescriptors},   // descriptors_linux_test.go
	{"peak-commands", helperPeakCommands},                    // peak_commands_linux_test.go
	{"peak-caller", helperPeakCaller},                        // peak_stress_helpers_linux_test.go
	{"peak-child", helperPeakChild},                          // peak_stress_helpers_linux_test.go
	{"orphan-spin", helperOrphanSpin},                        // runner_cgroup_linux_test.go
	{"spawn-orphan", helperSpawnOrphan},                      // runner_cgroup_linux_test.go
	{"cgroup-self", helperCgroupSelf},                        // tree_scope_probe_linux_test.go
	{"ballast-run", helperBallastRun},                        // runner_linux_test.go
	{"emfile-then-run", helperEMFILEThenRun},                 // runner_recovery_linux_test.go
	{"closed-stdin-run", helperClosedStdinRun},               // runner_recovery_linux_test.go
	{"leave-group-ready", helperLeaveGroupReady},             // spawner_adversity_linux_test.go
	{"pidfile-sleep", helperPidfileSleep},                    // spawner_adversity_linux_test.go
	{"tree-file", helperTreeFile},                            // spawner_adversity_linux_test.go
	{"umask", helperUmask},                                   // spawner_adversity_linux_test.go
	{"rlimit-core", helperRlimitCore},                        // spawner_adversity_linux_test.go
	{"spawner-state", helperSpawnerState},                    // spawner_caller_linux_test.go
	{"spawner-subreaper", helperSpawnerSubreaper},            // spawner_caller_linux_test.go
	{"spawner-no-stdin", helperSpawnerNoStdin},               // spawner_caller_linux_test.go
	{"spawner-seccomp", helperSpawnerSeccomp},                // spawner_caller_linux_test.go
	{"spawner-pid", helperSpawnerPid},                        // spawner_linux_test.go
	{"spawner-fallback", helperSpawnerFallback},              // spawner_linux_test.go
	{"spawner-signals", helperSpawnerSignals},                // spawner_signals_linux_test.go
	{"spawner-dies-at-once", helperSpawnerDiesAtOnce},        // spawner_start_linux_test.go
	{"spawner-subreaper-reaps", helperSpawnerSubreaperReaps}, // spawner_start_linux_test.go
	{"spawner-emfile", helperSpawnerEMFILE},                  // spawner_start_linux_test.go
}

func init() { addHelpers(linuxHelpers) }
