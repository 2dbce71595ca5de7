// The platform this engine runs images for, in OCI terms (Node's `x64` is OCI's `amd64`).

export function hostPlatform(): { os: string; architecture: string; variant?: string } {
  const architecture: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
  };
  const arch = architecture[process.arch] ?? process.arch;
  return arch === 'arm64'
    ? { os: 'linux', architecture: arch, variant: 'v8' }
    : { os: 'linux', architecture: arch };
}
