/**
 * Sticky cookies (HAProxy's {@code cookie ... insert indirect dynamic}, and the {@code prefix} style):
 * {@link io.lbkit.cookie.StickyCookieBalancer} pins a client to a server by a cookie whose value is a
 * keyed hash of the server's address ({@link io.lbkit.cookie.CookieMode}, or a custom
 * {@link io.lbkit.cookie.CookieCodec}), looked up in a table of the usable servers and never decoded.
 * {@link io.lbkit.cookie.CookieOptions} defines its configuration options.
 *
 * <p>Start with {@code StickyCookieBalancer.select}; the package-private helpers hold the rest: the
 * per-snapshot table and the allocation-free header scan ({@code CookieTable}), the
 * {@code Set-Cookie} text ({@code SetCookieFormat}), the prefix style's edits ({@code PrefixStyle})
 * and the maxidle/maxlife dates ({@code Dates}). {@code docs/sessions.md} is the user's view.
 */
package io.lbkit.cookie;
