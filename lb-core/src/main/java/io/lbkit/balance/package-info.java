/**
 * Balancers without persistence: {@link io.lbkit.balance.RoundRobinBalancer} (weighted, a
 * precomputed schedule read with one volatile load and a contention-aware counter) and
 * {@link io.lbkit.balance.LeastConnectionsBalancer} (lowest in-flight count per weight). They are
 * also the fallback of the persistent balancers in {@code io.lbkit.cookie} and
 * {@code io.lbkit.session}. Start with {@code RoundRobinBalancer}; {@code docs/architecture.md}
 * explains the counter's design and its measurements.
 */
package io.lbkit.balance;
