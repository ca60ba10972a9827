package io.lbkit.spring;

import io.lbkit.core.Balancer;
import io.lbkit.core.Server;
import io.lbkit.core.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The Actuator endpoint {@code lbkit} ({@code /actuator/lbkit} once exposed): every lbkit backend
 * of the application with its servers, in the keys of the filter's JSON stats
 * ({@code backends[].servers[]}: {@code name}, {@code address}, {@code port}, {@code status},
 * {@code weight}, {@code active}, {@code requests}, {@code failures}, {@code lastChange}), plus
 * {@code reason}, {@code retries} and {@code check}.
 */
@Endpoint(id = "lbkit")
public class LbkitEndpoint {
  private final Supplier<List<Balancer>> balancers;

  LbkitEndpoint(Supplier<List<Balancer>> balancers) {
    this.balancers = balancers;
  }

  /** The backends and their servers, read now. */
  @ReadOperation
  public Map<String, Object> backends() {
    List<Object> backends = new ArrayList<>();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    for (Balancer b : balancers.get()) {
      Snapshot snapshot = b.group().snapshot();
      long tick = b.group().ticker().read();
      List<Object> servers = new ArrayList<>();
      for (Server s : snapshot.servers()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", s.name());
        row.put("address", s.endpoint() == null ? null : s.endpoint().ipAddress());
        row.put("port", s.endpoint() == null ? null : s.endpoint().port());
        row.put("status", s.state().name());
        row.put("reason", s.reason());
        row.put("weight", s.weight());
        row.put("active", s.stats().active());
        row.put("requests", s.stats().requests());
        row.put("failures", s.stats().failures());
        row.put("retries", s.stats().retries());
        row.put("check", s.stats().checkStatus());
        long ago = Duration.ofNanos(Math.max(0, tick - s.lastChangeNanos())).toSeconds();
        row.put("lastChange", now.minusSeconds(ago).toString());
        servers.add(row);
      }
      Map<String, Object> backend = new LinkedHashMap<>();
      backend.put("name", b.group().name());
      backend.put("servers", servers);
      backends.add(backend);
    }
    return Map.of("backends", backends);
  }
}
