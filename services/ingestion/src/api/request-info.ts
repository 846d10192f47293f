import type { FastifyRequest } from "fastify";

/** What the per-request log line reports beyond method/route/status. */
export interface RequestInfo {
  tenantId?: string;
  events?: number;
  duplicates?: number;
  errorCode?: string;
}

const infos = new WeakMap<FastifyRequest, RequestInfo>();

export function requestInfo(req: FastifyRequest): RequestInfo {
  let info = infos.get(req);
  if (!info) {
    info = {};
    infos.set(req, info);
  }
  return info;
}

export function peekRequestInfo(req: FastifyRequest): RequestInfo | undefined {
  return infos.get(req);
}
