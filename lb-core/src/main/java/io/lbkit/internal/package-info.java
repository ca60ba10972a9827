/**
 * Helpers shared by lbkit's own packages; not API, may change in any release. The value parsers
 * behind every option ({@link io.lbkit.internal.Values}, {@link io.lbkit.internal.Durations},
 * {@link io.lbkit.internal.HostPort}) and argument checks ({@link io.lbkit.internal.Checks}) throw
 * {@code io.lbkit.option.OptionException}; {@link io.lbkit.internal.CookieHeaders} scans and edits
 * raw {@code Cookie} headers for the cookie and session balancers (the scan is on the hot path);
 * {@link io.lbkit.internal.RotationCounter} is round robin's position counter;
 * {@link io.lbkit.internal.GroupHooks} is what DNS sources and health checkers may do to a group
 * beyond its public API ({@code ServerGroup.hooks()}).
 */
package io.lbkit.internal;
