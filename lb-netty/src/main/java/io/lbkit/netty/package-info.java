/**
 * lbkit's HTTP/1.1 reverse-proxy engine on Netty, with HAProxy's structure: one event loop per
 * core serves both the client and the server connection of an exchange, server connections are
 * pooled per loop, reads switch off only for back-pressure, and each read batch ends with one
 * flush. Every decision that is not I/O (selection, retries, header policy, error answers,
 * accounting) comes from lb-core's {@code io.lbkit.proxy} and {@code io.lbkit.core.Balancer}.
 *
 * <p>Start with {@link io.lbkit.netty.NettyProxy} (a standalone listener) or, inside a Netty
 * gateway, {@link io.lbkit.netty.ProxyEngine#newHandler()}. Options: {@link io.lbkit.netty.NettyProxyOptions}.
 */
package io.lbkit.netty;
