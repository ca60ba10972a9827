/**
 * The container-free half of an adapter that forwards requests: what every engine (the servlet
 * filter, a gateway filter, a Netty engine) must do the same way, written once over plain strings.
 *
 * <p>Start with {@link io.lbkit.proxy.ProxyHeaders}: the request and response header policy
 * (hop-by-hop lines, {@code X-Forwarded-*}, {@code Forwarded}, the balancer's cookie rewriting and
 * {@code Set-Cookie}, cache advice), applied to a {@link io.lbkit.proxy.HeaderSource} and written
 * to a {@link io.lbkit.proxy.HeaderSink}. {@link io.lbkit.proxy.ErrorResponse} holds the short
 * 502/503/504 answers and turns an empty {@link io.lbkit.core.Selection} into the 503;
 * {@link io.lbkit.proxy.RetryPolicy} decides whether a failed attempt is tried again, on which
 * server, and what the client gets when it is not. Nothing here does I/O or names a concrete
 * balancer: adapters talk to {@link io.lbkit.core.Balancer} and these classes only.
 * {@code docs/architecture.md} ("Adapter seam") lists what an adapter does per request.
 */
package io.lbkit.proxy;
