package io.lbkit.spring;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import org.springframework.cloud.client.ServiceInstance;

/**
 * One lbkit server as Spring Cloud sees it: the instance id is the server's stable name
 * ({@code whoami1}), host and port its current address. An instance returned by the load balancer
 * also carries the {@link Selection} it came from, so an adapter can add the selection's
 * {@code Set-Cookie} and report the exchange's outcome to the right group.
 */
public final class LbkitServiceInstance implements ServiceInstance {
  private final String serviceId;
  private final Balancer balancer;
  private final Selection selection;

  LbkitServiceInstance(String serviceId, Balancer balancer, Selection selection) {
    this.serviceId = serviceId;
    this.balancer = balancer;
    Objects.requireNonNull(selection.server(), "an instance needs a server");
    this.selection = selection;
  }

  /** The selection this instance was chosen by (its {@code Set-Cookie} is null for listed instances). */
  public Selection selection() {
    return selection;
  }

  /** The lbkit server. */
  public Server server() {
    return selection.server();
  }

  /** The balancer that chose it. */
  public Balancer balancer() {
    return balancer;
  }

  @Override
  public String getInstanceId() {
    return selection.name();
  }

  @Override
  public String getServiceId() {
    return serviceId;
  }

  @Override
  public String getHost() {
    String ip = selection.address();
    return ip != null && ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
  }

  @Override
  public int getPort() {
    return selection.port();
  }

  /** Always false: lbkit's backends speak plain HTTP (use {@code lb:https://...} routes for TLS). */
  @Override
  public boolean isSecure() {
    return false;
  }

  @Override
  public URI getUri() {
    return URI.create("http://" + getHost() + ":" + getPort());
  }

  @Override
  public Map<String, String> getMetadata() {
    return Map.of();
  }

  @Override
  public String toString() {
    return serviceId + "/" + selection.server();
  }
}
