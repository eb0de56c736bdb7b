import { describe, expect, it } from "vitest";
import { attachCommandLineValues } from "../src/command-line-values.ts";

describe("options whose value is a command line", () => {
  it("take the next word as their value, even when it starts with -", () => {
    expect(attachCommandLineValues(["--pkgindex", "--workers 3 --store memory", "--pattern", "pipelined"])).toEqual([
      "--pkgindex=--workers 3 --store memory",
      "--pattern",
      "pipelined",
    ]);
    expect(attachCommandLineValues(["compare", "--pkgindex-args", "--store sqlite", "--external", "goref=/tmp/goref -addr 127.0.0.1:{port}"])).toEqual([
      "compare",
      "--pkgindex-args=--store sqlite",
      "--external=goref=/tmp/goref -addr 127.0.0.1:{port}",
    ]);
  });

  it("leave other options, the = form, a trailing option and everything after -- alone", () => {
    expect(attachCommandLineValues(["--port", "8080", "--start=/tmp/goref", "--", "--pkgindex", "x"])).toEqual(["--port", "8080", "--start=/tmp/goref", "--", "--pkgindex", "x"]);
    expect(attachCommandLineValues(["--connections", "4", "--pkgindex"])).toEqual(["--connections", "4", "--pkgindex"]);
  });
});
