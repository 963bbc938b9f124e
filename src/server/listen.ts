/**
 * Why a server could not listen, as a usage error (exit 2) that says what to change: a port out of range,
 * an address this machine does not have, a port in use or reserved, a host name that does not resolve.
 * Shared by `tenet view` and `tenet align serve-reward`.
 */
import { TenetError } from '../errors.ts';

export function listenError(error: unknown, host: string, port: number): TenetError {
  if (error instanceof TenetError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const known: Record<string, [string, string]> = {
    ERR_SOCKET_BAD_PORT: [`port ${port} is out of range`, 'use a --port from 0 to 65535 (0 picks a free one)'],
    EADDRNOTAVAIL: [`this machine has no address ${host}`, 'use --host 127.0.0.1, 0.0.0.0 (every interface) or one of this machine\'s addresses'],
    EADDRINUSE: [`port ${port} is already in use on ${host}`, 'choose another --port (0 picks a free one), or stop what is using this one'],
    EACCES: [`not allowed to listen on ${where}`, 'ports below 1024 need privileges: choose a --port of 1024 or more'],
    ENOTFOUND: [`the host name ${host} does not resolve`, 'use an IP address for --host, e.g. 127.0.0.1'],
    EAI_AGAIN: [`the host name ${host} could not be resolved`, 'use an IP address for --host, e.g. 127.0.0.1'],
  };
  const [message, hint] = (code && known[code]) ?? [code ?? (error instanceof Error ? error.message : String(error)), 'check --host and --port'];
  return new TenetError('BAD_USAGE', `cannot listen on ${where}: ${message}`, { hint, cause: error });
}
