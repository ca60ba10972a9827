package io.lbkit.peers.hazelcast;

import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.session.StickStore;
import io.lbkit.session.StickStoreProvider;
import java.util.List;
import java.util.Map;

/**
 * Makes {@code peers}, {@code peer-listen}, {@code peers-client}, {@code peers-name} and
 * {@code peers-timeout} options of every backend when this module is on the classpath (found by
 * {@link java.util.ServiceLoader}; see {@code META-INF/services}).
 */
public final class HazelcastPeersProvider implements StickStoreProvider {
  @Override
  public List<Option<?, ?>> options() {
    return List.copyOf(PeersOptions.ALL.options());
  }

  @Override
  public StickStore.Factory factory(Map<String, String> options) {
    if (!options.containsKey(PeersOptions.PEERS.name()) && !options.containsKey(PeersOptions.PEERS_CLIENT.name())) {
      for (Option<?, ?> o : PeersOptions.ALL) {
        if (options.containsKey(o.name())) {
          throw OptionException.notSet("peers", "host:port,... of the instances sharing the table"
              + " (or peers-client); required with " + o.name());
        }
      }
      return null;
    }
    HazelcastStickStore.Builder builder = PeersOptions.ALL.setAll(HazelcastStickStore.builder(), options);
    if (options.containsKey(PeersOptions.PEERS.name()) && options.containsKey(PeersOptions.PEERS_CLIENT.name())) {
      throw OptionException.conflict("peers-client", "peers",
          "either peers (members) or peers-client (a client)");
    }
    return builder;
  }
}
