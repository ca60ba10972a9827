package io.lbkit.option;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of one component, in help order, applied by name: what every builder's
 * {@code set(key, value)} delegates to. Immutable.
 *
 * @param <B> the component's builder
 */
public final class OptionSet<B> implements Iterable<Option<B, ?>> {
  private final String component;
  private final Map<String, Option<B, ?>> byName;

  private OptionSet(String component, Map<String, Option<B, ?>> byName) {
    this.component = component;
    this.byName = byName;
  }

  /**
   * The options of {@code component} (a short name used when a key is unknown to it, such as
   * {@code dns}), in the order help lists them.
   *
   * @throws IllegalArgumentException when two options share a name
   */
  @SafeVarargs
  public static <B> OptionSet<B> of(String component, Option<B, ?>... options) {
    Map<String, Option<B, ?>> map = new LinkedHashMap<>();
    for (Option<B, ?> o : options) {
      if (map.put(o.name(), o) != null) {
        throw new IllegalArgumentException(component + ": option '" + o.name() + "' defined twice");
      }
    }
    return new OptionSet<>(component, Collections.unmodifiableMap(map));
  }

  /** The component's short name. */
  public String component() {
    return component;
  }

  /** The options, in help order. */
  public List<Option<B, ?>> options() {
    return List.copyOf(byName.values());
  }

  /** The options, in help order. */
  @Override
  public Iterator<Option<B, ?>> iterator() {
    return byName.values().iterator();
  }

  /** The names, in help order. */
  public Set<String> names() {
    return byName.keySet();
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The option named {@code name}, or null. */
  public Option<B, ?> get(String name) {
    return byName.get(name);
  }

  /**
   * Parses {@code value} for the option named {@code key} and sets it on {@code target}.
   *
   * @return {@code target}
   * @throws OptionException for an unknown key (listing the known ones) or a bad value
   */
  public B set(B target, String key, String value) {
    String k = key == null ? "" : key.trim();
    Option<B, ?> option = byName.get(k);
    if (option == null) {
      throw OptionException.unknown(k, new TreeSet<>(byName.keySet()));
    }
    option.apply(target, value);
    return target;
  }

  /**
   * {@link #set} for every entry whose key is one of these options; other keys are left alone,
   * so one map can feed several components.
   *
   * @return {@code target}
   */
  public B setAll(B target, Map<String, String> values) {
    for (Option<B, ?> o : byName.values()) {
      if (values.containsKey(o.name())) {
        o.apply(target, values.get(o.name()));
      }
    }
    return target;
  }

  /**
   * Every option of several sets once per name (an option two components read is listed once),
   * grouped by section in {@link Section#STANDARD} order (other sections after them, in order of
   * appearance), in set order within a section: the order of {@code --help} and the README.
   */
  public static List<Option<?, ?>> catalog(List<? extends Iterable<? extends Option<?, ?>>> sets) {
    Map<String, Option<?, ?>> all = new LinkedHashMap<>();
    for (Iterable<? extends Option<?, ?>> set : sets) {
      for (Option<?, ?> o : set) {
        all.putIfAbsent(o.name(), o);
      }
    }
    List<Section> order = new ArrayList<>(Section.STANDARD);
    for (Option<?, ?> o : all.values()) {
      if (!order.contains(o.section())) {
        order.add(o.section());
      }
    }
    List<Option<?, ?>> sorted = new ArrayList<>(all.values());
    sorted.sort(Comparator.comparingInt(o -> order.indexOf(o.section()))); // stable: set order within a section
    return sorted;
  }

  /**
   * Checks a raw map of options against the names {@code known}: keys and values are trimmed,
   * empty values dropped (absent), order kept.
   *
   * @throws OptionException for the first unknown key, listing the known ones sorted
   */
  public static Map<String, String> normalize(Map<String, String> raw, Collection<String> known) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey() == null ? "" : e.getKey().trim();
      if (!known.contains(key)) {
        throw OptionException.unknown(key, new TreeSet<>(known));
      }
      String value = e.getValue() == null ? "" : e.getValue().trim();
      if (!value.isEmpty()) {
        out.put(key, value);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return component + byName.keySet();
  }
}
