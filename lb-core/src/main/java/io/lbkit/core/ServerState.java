package io.lbkit.core;

/** The state of a server slot, as HAProxy's stats page shows it. */
public enum ServerState {
  /** Has an address and passes its health checks (or has none): takes traffic. */
  UP,
  /** Has an address but failed its health checks: takes no traffic, checks go on. */
  DOWN,
  /** In maintenance: no address yet or any more ("resolution"), or put there by an operator. */
  MAINT
}
