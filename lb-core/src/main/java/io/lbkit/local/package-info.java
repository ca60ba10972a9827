/**
 * Requests answered in-process, whatever the engine: a {@link io.lbkit.local.LocalHandler} takes a
 * {@link io.lbkit.local.LocalRequest} (method, path, query, headers) and returns a
 * {@link io.lbkit.local.LocalAnswer} (status, content type, headers, body). The stats page and the
 * standalone demo's controls are written this way; the servlet filter and the Netty engine each
 * have a thin adapter, so a page cannot behave differently on the two engines. No servlet or Netty
 * type appears here.
 */
package io.lbkit.local;
