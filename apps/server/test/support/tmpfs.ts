import { execFileSync } from "node:child_process";

/**
 * Mounts a tmpfs of `kib` KiB on `dir` (an existing empty directory): a real
 * file system that runs out of space, so a commit fails with ENOSPC as on a
 * full disk. Needs root (or CAP_SYS_ADMIN), which these tests have; without
 * it the error names what is missing instead of testing something weaker.
 */
export function mountTinyTmpfs(dir: string, kib: number): void {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${kib}k,mode=0755`, "tmpfs", dir], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim();
    throw new Error(`the failed-commit test mounts a ${kib} KiB tmpfs to fill it, and mount failed (needs root): ${stderr || (err as Error).message}`, {
      cause: err,
    });
  }
}

/** Unmounts what mountTinyTmpfs mounted; quiet if it is not mounted. */
export function unmount(dir: string): void {
  try {
    execFileSync("umount", [dir], { stdio: "ignore" });
  } catch {
    // not mounted (the mount failed) or already unmounted
  }
}
