/**
 * A throwaway certificate authority and a server certificate it signed, for a local Postgres
 * with TLS (dev/postgres.ts `tls`). Made with the openssl command line (Debian installs it
 * with postgresql). The server certificate names `localhost` and `127.0.0.1`, is not a CA
 * itself (rustls, behind Deno's TLS, refuses a self-signed end-entity certificate), and lives
 * for two days: nothing here is a secret worth keeping.
 */

export interface ServerCertificate {
  /** PEM of the CA to trust (what `TRADING_DB_CA_CERT` holds in production). */
  caPem: string;
  certFile: string;
  keyFile: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Writes ca.crt, server.crt and server.key into `dir`; the key is readable by `owner` only. */
export async function makeServerCertificate(
  dir: string,
  owner?: { uid: number; gid: number },
): Promise<ServerCertificate> {
  await openssl([
    "req",
    "-new",
    "-x509",
    "-days",
    "2",
    "-nodes",
    "-subj",
    "/CN=trading local test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ], dir);
  await openssl([
    "req",
    "-new",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  ], dir);
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    [
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "basicConstraints=CA:FALSE",
      "keyUsage=digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "server.ext",
    "-out",
    "server.crt",
  ], dir);
  await Deno.remove(`${dir}/ca.key`);
  const keyFile = `${dir}/server.key`;
  await Deno.chmod(keyFile, 0o600);
  if (owner) {
    for (const f of ["server.key", "server.crt"]) {
      await Deno.chown(`${dir}/${f}`, owner.uid, owner.gid);
    }
  }
  return {
    caPem: await Deno.readTextFile(`${dir}/ca.crt`),
    certFile: `${dir}/server.crt`,
    keyFile,
  };
}
