package io.lbkit.spring;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import org.springframework.http.HttpHeaders;

/**
 * The two {@link HttpHeaders} calls whose signatures differ between Spring Framework 7 (Boot 4),
 * where {@code HttpHeaders} is no longer a {@code MultiValueMap} ({@code get(String)},
 * {@code remove(String)}), and Framework 6.2 (Boot 3.5: {@code get(Object)}, {@code remove(Object)}).
 * Compiled against either, a direct call fails on the other with {@code NoSuchMethodError}; these
 * method handles are looked up once for the framework present, and cost what a direct call costs.
 * Every other header call lb-spring makes ({@code getFirst}, {@code add}, {@code set}, {@code put})
 * has the same signature in both.
 */
final class Headers {
  private static final MethodHandle GET = find("get");
  private static final MethodHandle REMOVE = find("remove");

  private Headers() {
  }

  /** The header's values (its lines, unsplit), or null when absent. */
  @SuppressWarnings("unchecked")
  static List<String> get(HttpHeaders headers, String name) {
    try {
      return (List<String>) GET.invokeExact(headers, name);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** Removes the header. */
  static void remove(HttpHeaders headers, String name) {
    try {
      Object removed = (Object) REMOVE.invokeExact(headers, name);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  private static MethodHandle find(String name) {
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    MethodHandle handle;
    try {
      handle = lookup.findVirtual(HttpHeaders.class, name, MethodType.methodType(List.class, String.class));
    } catch (NoSuchMethodException | IllegalAccessException e7) {
      try {
        handle = lookup.findVirtual(HttpHeaders.class, name, MethodType.methodType(List.class, Object.class));
      } catch (NoSuchMethodException | IllegalAccessException e6) {
        e6.addSuppressed(e7);
        throw new IllegalStateException("HttpHeaders." + name + " not found", e6);
      }
    }
    return handle.asType(MethodType.methodType(name.equals("get") ? List.class : Object.class,
        HttpHeaders.class, String.class));
  }
}
