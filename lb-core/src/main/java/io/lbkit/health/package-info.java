/**
 * Health checks for a {@link io.lbkit.core.ServerGroup}: active TCP or HTTP checks with HAProxy's
 * {@code inter}/{@code fastinter}/{@code downinter}, and passive checks ({@code observe layer4}).
 * The health counter itself ({@code rise}, {@code fall}, {@code error-limit}) is the group's; the
 * checker reports each result to it.
 *
 * <p>Starting point: {@link io.lbkit.health.HealthChecker#builder()}, with its options in
 * {@link io.lbkit.health.HealthOptions}. Inside, {@code HealthChecker} schedules one check per
 * server on the group's scheduler and follows the group's snapshots; {@code Probe} is one check on
 * a non-blocking socket; {@code HttpCheck} builds the request and judges the status line.
 */
package io.lbkit.health;
