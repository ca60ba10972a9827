package io.lbkit.standalone;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Catches SIGTERM and SIGINT so a stop requested by a signal can end with exit status 0 after a
 * graceful shutdown (a JVM that dies of SIGTERM exits with 143 whatever its shutdown hooks do).
 * Uses {@code sun.misc.Signal} (module jdk.unsupported) through reflection: it compiles without
 * the internal-API warning and degrades to "not installed" on a JVM without it, where the
 * shutdown hook still stops the server gracefully.
 */
final class Signals {
  private Signals() {}

  /** Calls {@code handler} (on a JVM signal thread) for each SIGTERM and SIGINT; false if not possible. */
  static boolean onTerminate(Runnable handler) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
          (p, method, args) -> {
            if (method.getName().equals("handle")) {
              handler.run();
              return null;
            }
            if (method.getName().equals("toString")) {
              return "lbkit shutdown signal handler";
            }
            if (method.getName().equals("hashCode")) {
              return System.identityHashCode(p);
            }
            if (method.getName().equals("equals")) {
              return p == args[0];
            }
            return null;
          });
      Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
      boolean term = false;
      for (String name : new String[] {"TERM", "INT"}) {
        try {
          Object signal = signalClass.getConstructor(String.class).newInstance(name);
          handle.invoke(null, signal, proxy);
          term |= name.equals("TERM");
        } catch (ReflectiveOperationException | RuntimeException e) {
          // e.g. SIGINT ignored by a non-interactive shell for a background job: keep the other one
        }
      }
      return term;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }
}
