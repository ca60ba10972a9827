/**
 * The stats page, engine-free: {@link io.lbkit.stats.StatsPage} renders HTML, JSON and Prometheus
 * text for one or more balancers as a {@link io.lbkit.local.LocalHandler}; its options
 * ({@code stats-uri}, {@code stats-refresh}, {@code stats-auth}) are defined once in
 * {@link io.lbkit.stats.StatsOptions}.
 */
package io.lbkit.stats;
