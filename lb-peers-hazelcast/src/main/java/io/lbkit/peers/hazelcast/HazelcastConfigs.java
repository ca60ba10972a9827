package io.lbkit.peers.hazelcast;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.ClientConnectionStrategyConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.core.LifecycleListener;
import com.hazelcast.spi.merge.LatestUpdateMergePolicy;
import io.lbkit.session.StickStore;
import java.util.List;
import java.util.Map;

/** The Hazelcast configurations of a peers member and of a client, built from lbkit's options. */
final class HazelcastConfigs {
  /** Hazelcast's default partition count; the per-partition bound is derived from it. */
  static final int PARTITIONS = 271;

  private HazelcastConfigs() {}

  /** Properties for members and clients: slf4j logging, no phone home, no JVM-wide side effects. */
  private static final Map<String, String> COMMON = Map.of(
      "hazelcast.logging.type", "slf4j",
      "hazelcast.phone.home.enabled", "false",
      "hazelcast.partition.count", String.valueOf(PARTITIONS));

  /**
   * Member properties: failures found in seconds, split clusters merged within seconds, not minutes,
   * and near-cache invalidations sent at once: batched (Hazelcast's default), a near cache that had
   * looked up a session before it existed kept answering "unknown" for up to 10s after it was learned.
   */
  private static final Map<String, String> MEMBER = Map.of(
      "hazelcast.map.invalidation.batch.enabled", "false",
      "hazelcast.heartbeat.interval.seconds", "1",
      "hazelcast.max.no.heartbeat.seconds", "10",
      "hazelcast.merge.first.run.delay.seconds", "5",
      "hazelcast.merge.next.run.delay.seconds", "5",
      "hazelcast.wait.seconds.before.join", "1",
      "hazelcast.max.wait.seconds.before.join", "5",
      "hazelcast.health.monitoring.level", "OFF");

  static String mapName(StickStore.Spec spec) {
    return "lbkit-stick." + spec.name();
  }

  /**
   * An embedded member joining {@code peers} over TCP (multicast and auto-detection off),
   * listening on {@code listenHost:listenPort} ({@code listenHost} null or {@code 0.0.0.0}: every
   * interface, Hazelcast picks the address it announces).
   */
  static Config member(StickStore.Spec spec, String clusterName, List<String> peers, String listenHost, int listenPort) {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setInstanceName("lbkit-peers-" + spec.name() + "-" + listenPort);
    COMMON.forEach(config::setProperty);
    MEMBER.forEach(config::setProperty);
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(listenPort).setPortAutoIncrement(false);
    if (listenHost != null && !listenHost.equals("0.0.0.0")) {
      config.setProperty("hazelcast.socket.bind.any", "false");
      network.getInterfaces().setEnabled(true).addInterface(listenHost);
      network.setPublicAddress(listenHost + ":" + listenPort);
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(peers).setConnectionTimeoutSeconds(2);
    config.getSerializationConfig().addSerializerConfig(serializer());
    config.addMapConfig(map(spec));
    return config;
  }

  /** A client of an existing cluster: starts without waiting for it and reconnects in the background. */
  static ClientConfig client(StickStore.Spec spec, String clusterName, List<String> addresses, LifecycleListener events) {
    ClientConfig config = new ClientConfig();
    config.addListenerConfig(new ListenerConfig(events)); // registered before start: no connection event is missed
    config.setClusterName(clusterName);
    config.setInstanceName("lbkit-peers-client-" + spec.name());
    COMMON.forEach(config::setProperty);
    config.getNetworkConfig().setAddresses(addresses).setConnectionTimeout(2000);
    ClientConnectionStrategyConfig connection = config.getConnectionStrategyConfig();
    connection.setAsyncStart(true).setReconnectMode(ClientConnectionStrategyConfig.ReconnectMode.ASYNC);
    connection.getConnectionRetryConfig().setClusterConnectTimeoutMillis(Long.MAX_VALUE).setMaxBackoffMillis(2000);
    config.getSerializationConfig().addSerializerConfig(serializer());
    config.addNearCacheConfig(nearCache(spec).setCacheLocalEntries(false)); // a client has no local entries
    return config;
  }

  /**
   * The shared table: one backup (a member leaving loses nothing), at most {@code size} entries
   * owned by any member (the bound is per partition, {@code size / 271}, so it holds whatever the
   * partitions a member owns), least recently used evicted, split clusters merged keeping the
   * latest update, a near cache for reads.
   */
  static MapConfig map(StickStore.Spec spec) {
    int perPartition = (int) Math.max(1, Math.min(Integer.MAX_VALUE, spec.size() / PARTITIONS));
    return new MapConfig(mapName(spec))
        .setBackupCount(1)
        .setAsyncBackupCount(0)
        .setInMemoryFormat(InMemoryFormat.BINARY)
        .setPerEntryStatsEnabled(true) // the last-update time LatestUpdateMergePolicy compares
        .setEvictionConfig(new EvictionConfig()
            .setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.PER_PARTITION)
            .setSize(perPartition))
        .setMergePolicyConfig(new MergePolicyConfig(LatestUpdateMergePolicy.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE))
        .setNearCacheConfig(nearCache(spec));
  }

  /** Deserialized entries (a hit allocates nothing), local entries too, invalidated on change, bounded like the table. */
  static NearCacheConfig nearCache(StickStore.Spec spec) {
    return new NearCacheConfig(mapName(spec))
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setCacheLocalEntries(true)
        .setInvalidateOnChange(true)
        .setEvictionConfig(new EvictionConfig()
            .setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT)
            .setSize((int) Math.min(Integer.MAX_VALUE, spec.size())));
  }

  private static SerializerConfig serializer() {
    return new SerializerConfig().setImplementation(new StickEntrySerializer()).setTypeClass(StickEntry.class);
  }
}
