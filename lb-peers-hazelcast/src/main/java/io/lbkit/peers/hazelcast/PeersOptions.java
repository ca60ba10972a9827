package io.lbkit.peers.hazelcast;

import io.lbkit.option.Option;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import java.time.Duration;

/** The options of {@link HazelcastStickStore.Builder}: init-params, CLI flags and {@code set(key, value)} alike. */
public final class PeersOptions {
  private PeersOptions() {}

  /** Where {@code --help} and the README list these options. */
  public static final Section SECTION = new Section("Peers: one stick table shared by several instances"
      + " (lb-peers-hazelcast)", "peers ([docs](docs/sessions.md#several-instances))");

  public static final Option<HazelcastStickStore.Builder, String> PEERS = Option.define(SECTION, "peers",
          "Share the stick table with these instances, each a member of an embedded Hazelcast cluster found over"
              + " TCP: host:port,... of every member (this one may be listed).")
      .defaultText("none").label("host:port[,...]").text(HazelcastStickStore.Builder::peers);

  public static final Option<HazelcastStickStore.Builder, String> PEER_LISTEN = Option.define(SECTION,
          "peer-listen", "With peers: the address this member listens on and announces to the others.")
      .defaultText("0.0.0.0:5701").label("host:port").text(HazelcastStickStore.Builder::peerListen);

  public static final Option<HazelcastStickStore.Builder, String> PEERS_CLIENT = Option.define(SECTION,
          "peers-client", "Share the stick table through an existing Hazelcast cluster instead, as its client:"
              + " host:port,... of its members.")
      .defaultText("none").label("host:port[,...]").text(HazelcastStickStore.Builder::peersClient);

  public static final Option<HazelcastStickStore.Builder, String> PEERS_NAME = Option.define(SECTION,
          "peers-name", "The cluster name; only instances with the same name share.")
      .defaultText("lbkit").label("name").text(HazelcastStickStore.Builder::peersName);

  public static final Option<HazelcastStickStore.Builder, Duration> PEERS_TIMEOUT = Option.define(SECTION,
          "peers-timeout", "The longest a request waits for the cluster to look up a session id unknown here;"
              + " then it is balanced without (fail-open).")
      .defaultText("50ms").duration(Duration.ofMillis(1), Duration.ofSeconds(10),
          HazelcastStickStore.Builder::peersTimeout);

  /** The options of {@link HazelcastStickStore.Builder#set}, in help order. */
  public static final OptionSet<HazelcastStickStore.Builder> ALL = OptionSet.of("peers",
      PEERS, PEER_LISTEN, PEERS_CLIENT, PEERS_NAME, PEERS_TIMEOUT);
}
