package main

import (
	"errors"
	"flag"
	"fmt"
	"runtime"
	"sort"
	"strings"
)

// The command line's two forms (issue 20):
//
//   - hyperfine's: each argument that is not a flag is a command string,
//     run through the shell, or with -N split into words as hyperfine
//     splits them; flags may come before, between and after the commands,
//     as hyperfine (clap) takes them.
//   - /usr/bin/time's: "-- prog args...", one argv without a shell.
//
// -shell (one dash, this program's own flag) asks for command strings
// through the shell explicitly; its defaults are this program's (one run,
// the output captured), not hyperfine's.

// hyperfineAliases are hyperfine's flag names that name one of this
// program's flags: declared as aliases sharing its value, and counted as
// it (canonicalFlag) where a flag's presence matters.
var hyperfineAliases = map[string]string{
	"r": "runs", "w": "warmup", "m": "min-runs", "M": "max-runs",
	"D": "parameter-step", "parameter-step-size": "parameter-step",
	"s": "setup", "p": "prepare", "c": "cleanup", "C": "conclude",
	"n": "name", "command-name": "name", "u": "time-unit",
}

// canonicalFlag is this program's name for a flag given by any name.
func canonicalFlag(name string) string {
	if c, ok := hyperfineAliases[name]; ok {
		return c
	}
	return name
}

// addHyperfineFlags declares hyperfine's short and long names of the
// flags already declared, and the flags only hyperfine's forms need: -N,
// -S, -time-unit and -reference.
func addHyperfineFlags(fs *flag.FlagSet, o *options) {
	fs.BoolVar(&o.noShell, "N", false,
		"run each command string without a shell, split into words as hyperfine's\n"+
			"-N (or --shell=none) splits it: 'a b' and \"a b\" are one word, \\ escapes")
	fs.StringVar(&o.shellProg, "S", "",
		"run the command strings through `shell` -c instead of /bin/sh (hyperfine's\n"+
			"-S, --shell; \"bash --norc\" gives words); none is -N. The one-dash -shell is\n"+
			"this program's own flag, a switch: give hyperfine's as -S or --shell")
	fs.StringVar(&o.timeUnit, "time-unit", "",
		"show times in `unit`: microsecond, millisecond or second, as hyperfine's\n"+
			"-u, --time-unit (default: ms, or s from a second up)")
	fs.StringVar(&o.reference, "reference", "",
		"benchmark `command` first and compare every other command with it instead\n"+
			"of with the fastest, as hyperfine's --reference")
	fs.StringVar(&o.referenceName, "reference-name", "",
		"`label` of the -reference command, as hyperfine's --reference-name")
	fs.Var(multiValueFlag("parameter-scan"), "P", "hyperfine's name of -parameter-scan: `NAME MIN MAX`")
	fs.Var(multiValueFlag("parameter-list"), "L", "hyperfine's name of -parameter-list: `NAME VALUES`")
	names := make([]string, 0, len(hyperfineAliases))
	for alias := range hyperfineAliases {
		names = append(names, alias)
	}
	sort.Strings(names)
	for _, alias := range names {
		target := fs.Lookup(hyperfineAliases[alias])
		fs.Var(target.Value, alias, "hyperfine's name of -"+target.Name)
	}
}

// parsedLine is the command line split into the flags, for
// FlagSet.Parse, and the commands.
type parsedLine struct {
	flags    []string
	commands []string
	dashdash bool // "--" ended the flags
	before   int  // how many commands came before "--"
}

// splitCommandLine walks args as hyperfine takes them: flags anywhere
// before "--", every other argument a command. It takes the multi-value
// flags (-parameter-scan n 1 5) into o, and reads hyperfine's --shell and
// --show-output (two dashes), whose names this program's flags -shell and
// -show-output have with other meanings, as hyperfine's: --shell SHELL is
// -S SHELL, --show-output lets the commands' output through (-output
// inherit).
func splitCommandLine(fs *flag.FlagSet, args []string, o *options) (parsedLine, error) {
	var cl parsedLine
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			cl.dashdash, cl.before = true, len(cl.commands)
			cl.commands = append(cl.commands, args[i+1:]...)
			return cl, nil
		}
		if len(a) < 2 || a[0] != '-' {
			cl.commands = append(cl.commands, a)
			continue
		}
		switch {
		case a == "--shell" || strings.HasPrefix(a, "--shell="):
			a = "-S" + strings.TrimPrefix(a, "--shell")
		case a == "--show-output":
			cl.flags = append(cl.flags, "-output=inherit")
			continue
		}
		name := strings.TrimPrefix(a[1:], "-")
		n, multi := multiValueFlags[name]
		if !multi {
			cl.flags = append(cl.flags, a)
			if takesValue(fs, name) && i+1 < len(args) {
				i++
				cl.flags = append(cl.flags, args[i])
			}
			continue
		}
		if len(args)-i-1 < n {
			return cl, fmt.Errorf("%s needs %s", a, multiValueUsage(name))
		}
		vals := args[i+1 : i+1+n]
		i += n
		if n == 2 {
			o.lists = append(o.lists, paramAxis{name: vals[0], values: []string{vals[1]}})
			continue
		}
		if o.scan != nil {
			return cl, errors.New("-parameter-scan given twice (one scan; -parameter-list can be repeated)")
		}
		o.scan = &scanArgs{vals[0], vals[1], vals[2]}
	}
	return cl, nil
}

// settleForm decides the form of the command line from the parsed flags
// and the commands: it returns what is wrong, or "".
func (o *options) settleForm(cl parsedLine, shellGiven bool) string {
	o.commands = cl.commands
	if o.shellProg == "none" {
		o.shellProg, o.noShell = "", true
	}
	switch {
	case o.shell && o.noShell:
		return "-shell and -N (no shell) cannot be combined"
	case o.shellProg != "" && o.noShell:
		return "-S and -N (no shell) cannot be combined"
	}
	o.argvForm = cl.dashdash && !o.shell && !o.noShell && o.shellProg == ""
	if o.argvForm && cl.before > 0 {
		return fmt.Sprintf("%q before \"--\": give the commands as strings (hyperfine's form) or one program after \"--\", not both", o.commands[0])
	}
	if !o.argvForm {
		o.shell = !o.noShell
		o.hyperfineForm = !shellGiven
	}
	if o.noShell {
		o.words = make([][]string, len(o.commands))
		for i, c := range o.commands {
			w, err := splitWords(c)
			if err != nil {
				return fmt.Sprintf("command %d, %q: %v", i+1, c, err)
			}
			o.words[i] = w
		}
	}
	return o.settleReference()
}

// settleReference puts -reference first among the commands, with its
// name (-reference-name) first among the labels; it returns what is
// wrong, or "".
func (o *options) settleReference() string {
	if o.referenceName != "" && o.reference == "" {
		return "-reference-name needs -reference"
	}
	if o.reference != "" {
		if o.argvForm {
			return "-reference needs the commands as strings, not after \"--\""
		}
		o.commands = append([]string{o.reference}, o.commands...)
		if o.noShell {
			w, err := splitWords(o.reference)
			if err != nil {
				return fmt.Sprintf("-reference %q: %v", o.reference, err)
			}
			o.words = append([][]string{w}, o.words...)
		}
		// -name names the other commands, as hyperfine's --command-name;
		// the reference's is -reference-name.
		switch {
		case len(o.names) > 0 && o.referenceName == "":
			o.names = append(stringsFlag{o.reference}, o.names...)
		case o.referenceName != "":
			names := make(stringsFlag, 0, len(o.commands))
			names = append(names, o.referenceName)
			for i := 1; i < len(o.commands); i++ {
				if i-1 < len(o.names) {
					names = append(names, o.names[i-1])
				} else {
					names = append(names, o.commands[i])
				}
			}
			o.names = names
		}
	}
	return ""
}

// shellArgv runs command through -S's shell, or the platform's.
func (o *options) shellArgv(command string) []string {
	if o.shellProg == "" {
		return shellArgv(command)
	}
	w, err := splitWords(o.shellProg)
	if err != nil || len(w) == 0 {
		w = []string{o.shellProg}
	}
	flag := "-c"
	if runtime.GOOS == "windows" && strings.EqualFold(strings.TrimSuffix(w[0], ".exe"), "cmd") {
		flag = "/C"
	}
	return append(w, flag, command)
}

// splitWords splits s into words as hyperfine does for -N (the
// shell_words crate, POSIX quoting): blanks separate words; '...' keeps
// everything; "..." keeps everything but \ before $ ` " \ or a newline;
// \ outside quotes keeps the next character.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			inWord = true
			if i+1 >= len(s) {
				return nil, errors.New("ends with a lone \\")
			}
			i++
			if s[i] != '\n' {
				cur.WriteByte(s[i])
			}
		case c == '\'':
			inWord = true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("a ' is not closed")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			inWord = true
			end, err := doubleQuoted(s, i+1, &cur)
			if err != nil {
				return nil, err
			}
			i = end
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("no words")
	}
	return words, nil
}

// doubleQuoted copies the double-quoted text of s from i on into cur, as
// a POSIX shell reads it (a backslash escapes $ ` " \ and a newline, which
// it removes), and returns the index of the closing quote.
func doubleQuoted(s string, i int, cur *strings.Builder) (int, error) {
	for ; i < len(s); i++ {
		if s[i] == '"' {
			return i, nil
		}
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		cur.WriteByte(s[i])
	}
	return i, errors.New("a \" is not closed")
}

// unknownFlag turns the flag package's error for an undefined flag into
// one naming the closest flag; other errors are returned as they are.
func unknownFlag(fs *flag.FlagSet, err error) error {
	const prefix = "flag provided but not defined: "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return err
	}
	given := strings.TrimLeft(strings.TrimPrefix(msg, prefix), "-")
	best, bestD := "", -1
	fs.VisitAll(func(f *flag.Flag) {
		d := editDistance(strings.ToLower(given), strings.ToLower(f.Name))
		if bestD < 0 || d < bestD || d == bestD && len(f.Name) > 1 && len(best) == 1 {
			best, bestD = f.Name, d
		}
	})
	if bestD < 0 || bestD > max(2, len(given)/2) {
		return fmt.Errorf("unknown flag -%s", given)
	}
	return fmt.Errorf("unknown flag -%s; did you mean -%s?", given, best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
