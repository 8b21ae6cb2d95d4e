package adapters

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFakeProcessRunnerConcurrent(t *testing.T) {
	const goroutines = 50
	const perGoroutine = 20
	ctx := context.Background()
	f := NewFakeProcessRunner()
	f.SetFallback(RunResult{ExitCode: -7})

	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			own := []string{"prog", fmt.Sprint(g)}
			f.SetResult(own, RunResult{ExitCode: g, Stdout: []byte(fmt.Sprint(g))})
			for i := range perGoroutine {
				got, err := f.Run(ctx, CommandSpec{Argv: own})
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, g, got.ExitCode)
				assert.Equal(t, fmt.Sprint(g), string(got.Stdout))
				got.Stdout[0] = 'X' // must not race with other readers

				got, err = f.Run(ctx, CommandSpec{Argv: []string{"shared", fmt.Sprint(i)}})
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, -7, got.ExitCode)

				if i%5 == 0 {
					_ = f.History()
				}
				_ = f.CallCount()
				_ = f.WasRun(own)
			}
		})
	}
	wg.Wait()

	assert.Equal(t, goroutines*perGoroutine*2, f.CallCount())
	history := f.History()
	require.Len(t, history, goroutines*perGoroutine*2)
	counts := make(map[string]int)
	for _, spec := range history {
		counts[argvKey(spec.Argv)]++
	}
	for g := range goroutines {
		assert.Equal(t, perGoroutine, counts[argvKey([]string{"prog", fmt.Sprint(g)})], "goroutine %d", g)
		assert.True(t, f.WasRun([]string{"prog", fmt.Sprint(g)}))
	}
	for i := range perGoroutine {
		assert.Equal(t, goroutines, counts[argvKey([]string{"shared", fmt.Sprint(i)})])
	}

	// Clear racing with Run is safe too.
	for range goroutines {
		wg.Go(func() {
			_, _ = f.Run(ctx, CommandSpec{Argv: []string{"x"}})
			f.Clear()
		})
	}
	wg.Wait()
	f.Clear()
	assert.Equal(t, 0, f.CallCount())
}
