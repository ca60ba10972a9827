/**
 * Health checks for a {@link io.lbkit.core.ServerGroup}: active TCP or HTTP checks with HAProxy's
 * {@code inter}/{@code fastinter}/{@code downinter}, {@code rise}/{@code fall} and passive checks
 * ({@code observe layer4}, {@code error-limit}).
 *
 * <p>Starting point: {@link io.lbkit.health.HealthChecker#builder()}.
 */
package io.lbkit.health;
