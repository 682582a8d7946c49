package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckStaticRejectsNonELF(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "script.sh")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\necho hi\n"), 0o755))
	require.Error(t, checkStatic(path))
	require.ErrorContains(t, checkStatic(filepath.Join(t.TempDir(), "missing")), "missing")
}

// TestCheckStaticRejectsDynamic uses a binary of the system that is linked
// dynamically (the shell) when there is one.
func TestCheckStaticRejectsDynamic(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Log("ELF binaries only on Linux; nothing to check")
		return
	}
	sh, err := exec.LookPath("sh")
	require.NoError(t, err)
	sh, err = filepath.EvalSymlinks(sh)
	require.NoError(t, err)
	require.ErrorContains(t, checkStatic(sh), "dynamically linked")
}
