package io.lbkit.session;

import io.lbkit.option.Option;
import java.util.List;
import java.util.Map;

/**
 * A module that shares stick tables across instances ({@code lb-peers-hazelcast}) and its
 * options. {@code io.lbkit.config.BackendConfig} finds providers with {@link java.util.ServiceLoader}
 * (a {@code META-INF/services/io.lbkit.session.StickStoreProvider} entry), so putting the module's jar
 * on the classpath adds its options to the filter's init-params, the standalone's flags and
 * {@code --help}; lb-core names no module.
 */
public interface StickStoreProvider {
  /** The provider's options, in help order, under a section of its own. */
  List<Option<?, ?>> options();

  /**
   * The store factory the options ask for, or null when none of this provider's options is set.
   * Called with every option of the backend, the provider's among them.
   *
   * @throws io.lbkit.option.OptionException for a bad value or options that do not go together
   */
  StickStore.Factory factory(Map<String, String> options);
}
