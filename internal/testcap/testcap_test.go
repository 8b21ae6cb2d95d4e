package testcap

import "testing"

func TestStrict(t *testing.T) {
	for _, tt := range []struct {
		requireAll, mayLack string
		want                bool
	}{
		{"", "", false},
		{"0", "", false},
		{"1", "", true},
		{"1", "rapl", true},
		{"1", "rapl cgroup-pids", false},
		{"1", "rapl,cgroup-pids", false},
		{"1", "cgroup-pidsx", true},
	} {
		t.Setenv(RequireAllEnv, tt.requireAll)
		t.Setenv(MayLackEnv, tt.mayLack)
		if got := Strict("cgroup-pids"); got != tt.want {
			t.Errorf("%s=%q %s=%q: Strict(cgroup-pids) = %v, want %v", RequireAllEnv, tt.requireAll, MayLackEnv, tt.mayLack, got, tt.want)
		}
	}
}
