package io.lbkit.peers.hazelcast;

import io.lbkit.core.Endpoint;

/**
 * A shared stick-table value: the server's endpoint (address and port, never a slot index, which
 * differs between instances) and the wall-clock time of the last use pushed by any instance.
 * Immutable; a near-cache hit hands out the same instance, so reading one allocates nothing.
 */
final class StickEntry {
  final Endpoint endpoint;
  final long touchedMillis;

  StickEntry(Endpoint endpoint, long touchedMillis) {
    this.endpoint = endpoint;
    this.touchedMillis = touchedMillis;
  }

  @Override
  public String toString() {
    return endpoint.authority() + "@" + touchedMillis;
  }
}
