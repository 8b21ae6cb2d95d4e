//go:build unix

package adapters

// unixHelpers are the helper processes of the tests that build on
// the Unix systems, with the file each is written in.
var unixHelpers = []namedHelper{
	{"environ", helperEnviron},                       // env_clear_test.go
	{"leave-group", helperLeaveGroup},                // runner_deadline_unix_test.go
	{"cat", helperCat},                               // runner_io_test.go
	{"alloc", helperAlloc},                           // runner_test.go
	{"stdin", helperStdin},                           // runner_test.go
	{"kill-self", helperKillSelf},                    // runner_unix_test.go
	{"spin", helperSpin},                             // runner_unix_test.go
	{"tree", helperTree},                             // runner_tree_unix_test.go
	{"ignore-term", helperIgnoreTerm},                // runner_tree_unix_test.go
	{"count-stdin", helperCountStdin},                // stdin_test.go
	{"run-panicking-stdin", helperRunPanickingStdin}, // stdin_test.go
}

func init() { addHelpers(unixHelpers) }
