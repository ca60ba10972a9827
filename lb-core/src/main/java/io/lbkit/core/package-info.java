/**
 * The model every other package builds on: endpoints and the servers that hold them, the group
 * that owns them, the snapshots it publishes and the balancer interface adapters call.
 *
 * <p>Start with {@link io.lbkit.core.ServerGroup}: it owns the slots (HAProxy's
 * {@code server-template}), the health counter and maintenance, and publishes an immutable
 * {@link io.lbkit.core.Snapshot} whenever what balancing sees changes. A source (static list, DNS)
 * gives it a list of {@link io.lbkit.core.Endpoint}s; a {@link io.lbkit.core.Balancer} turns a
 * {@link io.lbkit.core.RequestView} into a {@link io.lbkit.core.Selection} (a
 * {@link io.lbkit.core.Server} and maybe a {@code Set-Cookie}) from state it precomputed per snapshot.
 * Live counters per slot are in {@link io.lbkit.core.ServerStats}; every timer reads the injected
 * {@link io.lbkit.core.Ticker}. {@code docs/architecture.md} draws the data flow.
 */
package io.lbkit.core;
