package io.lbkit.core;

/**
 * Selects a server for a request. Implementations precompute what they need when a new
 * {@link Snapshot} is published and select with one volatile read, no lock and no allocation.
 *
 * <p>{@code select} never throws for a request: no available server is {@link Selection#NONE}.
 */
public interface Balancer {
  /** Selects a server for the request; returns {@link Selection#NONE} when none is available. */
  Selection select(RequestView request);

  /** The group this balancer selects from. */
  ServerGroup group();
}
