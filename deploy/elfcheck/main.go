// Command elfcheck verifies that binaries are statically linked: an ELF file
// with no program interpreter (PT_INTERP) and no shared libraries (DT_NEEDED),
// which is what the distroless static image can run. deploy/check.sh runs it
// on a binary built with the Dockerfile's flags.
//
//	go run ./deploy/elfcheck /tmp/gemba-static
package main

import (
	"debug/elf"
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: elfcheck BINARY...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		if err := checkStatic(path); err != nil {
			fmt.Fprintln(os.Stderr, "elfcheck:", err)
			failed = true
			continue
		}
		fmt.Printf("elfcheck: %s is a static executable\n", path)
	}
	if failed {
		os.Exit(1)
	}
}

// checkStatic returns an error unless path is an ELF executable that needs
// neither a dynamic loader nor shared libraries.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("%s: not an executable (ELF type %s)", path, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s: dynamically linked (has a PT_INTERP program header); build with CGO_ENABLED=0", path)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Errorf("%s: read dynamic section: %w", path, err)
	}
	if len(libs) > 0 {
		return fmt.Errorf("%s: needs shared libraries %s; build with CGO_ENABLED=0", path, strings.Join(libs, ", "))
	}
	return nil
}
