package adapters

// windowsHelpers are the helper processes of the tests that build on
// Windows, with the file each is written in.
var windowsHelpers = []namedHelper{
	{"environ", helperEnviron},                       // env_clear_test.go
	{"cat", helperCat},                               // runner_io_test.go
	{"alloc", helperAlloc},                           // runner_test.go
	{"stdin", helperStdin},                           // runner_test.go
	{"spin", helperSpin},                             // runner_windows_test.go
	{"tree", helperTree},                             // runner_tree_windows_test.go
	{"env-all", helperEnvAll},                        // runner_windows_test.go
	{"count-stdin", helperCountStdin},                // stdin_test.go
	{"run-panicking-stdin", helperRunPanickingStdin}, // stdin_test.go
}

func init() { addHelpers(windowsHelpers) }
