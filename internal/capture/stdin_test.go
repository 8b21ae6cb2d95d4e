//go:build unix || windows

package capture

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errBoom = errors.New("boom")

// gatedReader fails with errBoom once released.
type gatedReader struct{ release chan struct{} }

func (g *gatedReader) Read([]byte) (int, error) {
	<-g.release
	return 0, errBoom
}

// The cut at the exit: a reader's error is the run's only if it came
// before the child's exit was seen.
func TestFeedReaderErrorCountsUntilTheExit(t *testing.T) {
	for _, exitFirst := range []bool{false, true} {
		reader := &gatedReader{release: make(chan struct{})}
		feed, err := OpenFeed(reader)
		require.NoError(t, err)
		if exitFirst {
			feed.ChildExited()
		}
		close(reader.release)
		// The copy closes the pipe after it has recorded the error.
		got, err := io.ReadAll(feed.Child())
		require.NoError(t, err)
		assert.Empty(t, got)
		feed.Stop()
		copied, err := feed.Failure()
		assert.Zero(t, copied)
		if exitFirst {
			assert.NoError(t, err)
		} else {
			assert.ErrorIs(t, err, errBoom)
		}
	}
}

// A nil Feed is the null device: nothing to close, nothing failed.
func TestNilFeed(t *testing.T) {
	var feed *Feed
	feed.ChildExited()
	feed.CloseChildEnd()
	feed.Stop()
	assert.Nil(t, feed.Child())
	copied, err := feed.Failure()
	assert.Zero(t, copied)
	assert.NoError(t, err)
}
