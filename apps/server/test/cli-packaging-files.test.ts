import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/server-process.ts";

const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), "utf8");
const VERSION = (JSON.parse(read("apps/server/package.json")) as { version: string }).version;

describe("Dockerfile", () => {
  const dockerfile = read("docker/Dockerfile");
  const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));

  it("runs node dist/pkgindex.js as ENTRYPOINT with serve as CMD, so flags follow the image name", () => {
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "dist\/pkgindex\.js"\]$/m);
    expect(runtime).toMatch(/^CMD \["serve"\]$/m);
    expect(runtime).toMatch(/^WORKDIR \/app$/m);
    expect(runtime).toMatch(/^COPY --from=build \/src\/apps\/server\/dist \.\/dist$/m);
  });

  it("labels the image with the OCI version (apps/server/package.json's) and revision (a build arg)", () => {
    expect(runtime).toMatch(new RegExp(`^ARG VERSION=${VERSION.replaceAll(".", "\\.")}$`, "m"));
    expect(runtime).toMatch(/^ARG REVISION=/m);
    expect(runtime).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(runtime).toContain('org.opencontainers.image.revision="${REVISION}"');
    expect(runtime).toContain('org.opencontainers.image.licenses="MIT"');
  });

  it("compose passes arguments to the ENTRYPOINT, not a command of its own", () => {
    expect(read("docker/compose.yaml")).toMatch(/^ {4}command: \["serve", /m);
  });
});

describe("deploy/pkgindex.service", () => {
  const unit = read("deploy/pkgindex.service");

  it("passes systemd-analyze verify without a complaint", () => {
    const run = spawnSync("systemd-analyze", ["verify", path.join(REPO_ROOT, "deploy/pkgindex.service")], { encoding: "utf8" });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
  });

  it("is a simple service running the bundle directly, restarted on failure but not on a bad flag", () => {
    expect(unit).toMatch(/^Type=simple$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/pkgindex\/dist\/pkgindex\.js serve /m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
  });

  it("is hardened", () => {
    for (const setting of ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "StateDirectory=pkgindex", "CapabilityBoundingSet=", "SystemCallFilter=@system-service"]) {
      expect(unit.split("\n")).toContain(setting);
    }
  });
});

describe("CHANGELOG.md and LICENSE", () => {
  it("the newest released version in the changelog is the one --version prints", () => {
    const first = /^## \[(\d+\.\d+\.\d+)\]/m.exec(read("CHANGELOG.md"));
    expect(first?.[1]).toBe(VERSION);
  });

  it("the licence is MIT, as the packages say", () => {
    expect(read("LICENSE")).toMatch(/^MIT License\n/);
    expect((JSON.parse(read("apps/server/package.json")) as { license: string }).license).toBe("MIT");
  });
});
