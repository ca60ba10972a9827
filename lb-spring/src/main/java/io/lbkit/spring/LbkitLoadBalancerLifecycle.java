package io.lbkit.spring;

import io.lbkit.core.Server;
import java.util.Map;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;

/**
 * Counts the requests Spring Cloud LoadBalancer sends to lbkit's servers and feeds the passive
 * check: in flight from the start of the request, a connection-level failure as
 * {@code recordRequestFailure}, any answer as {@code recordRequestSuccess}.
 *
 * <ul>
 *   <li>Gateway exchanges ({@link GatewayAttributes.Exchange#lbkitRoute}; the gateway's load-balancer
 *       filter calls this lifecycle with the exchange's attributes): the server is counted in flight
 *       in the exchange's {@link GatewayAttributes.Exchange} until the response body is written
 *       ({@link GatewayInFlightFilter}) or the attempt fails; the instance that answered is kept
 *       there ({@code responded}) for its {@code Set-Cookie}.
 *   <li>{@code @LoadBalanced} clients ({@code WebClient}, {@code RestClient}): in flight until
 *       {@code onComplete}. A {@code WebClient} call cancelled before its answer gets no
 *       {@code onComplete} from Spring Cloud; {@link LbkitClientInFlight}'s filter ends its count then.
 * </ul>
 */
@SuppressWarnings("rawtypes")
final class LbkitLoadBalancerLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

  /** Reactive clients pass a {@link RequestDataContext}, {@code RestClient} a plain context: both are counted. */
  @Override
  public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
    return ServiceInstance.class.isAssignableFrom(serverTypeClass);
  }

  @Override
  public void onStart(Request<Object> request) {
  }

  @Override
  public void onStartRequest(Request<Object> request, Response<ServiceInstance> response) {
    Server server = server(response);
    if (server == null) {
      return;
    }
    Map<String, Object> attributes = attributes(request);
    GatewayAttributes.Exchange gateway = gatewayExchange(attributes);
    if (gateway != null) {
      gateway.startInFlight(server);
      return;
    }
    LbkitClientInFlight inFlight = attributes == null ? null : LbkitClientInFlight.of(attributes);
    if (inFlight != null) {
      inFlight.start(server);
    } else {
      server.stats().requestStarted();
    }
  }

  @Override
  public void onComplete(CompletionContext<Object, ServiceInstance, Object> completion) {
    if (completion.status() == CompletionContext.Status.DISCARD) {
      return; // no server was chosen, nothing was started
    }
    Response<ServiceInstance> response = completion.getLoadBalancerResponse();
    Server server = server(response);
    if (server == null) {
      return;
    }
    LbkitServiceInstance instance = (LbkitServiceInstance) response.getServer();
    Map<String, Object> attributes = attributes(completion.getLoadBalancerRequest());
    boolean failed = completion.status() == CompletionContext.Status.FAILED;
    GatewayAttributes.Exchange gateway = gatewayExchange(attributes);
    if (gateway != null) {
      if (failed) {
        gateway.endInFlight(server); // a retry may count another server
      } else {
        gateway.responded = instance; // still in flight until the body is written
      }
    } else {
      LbkitClientInFlight inFlight = attributes == null ? null : LbkitClientInFlight.of(attributes);
      if (inFlight != null) {
        inFlight.end();
      } else {
        server.stats().requestEnded();
      }
    }
    Throwable failure = completion.getThrowable();
    if (failed && Failures.isServerFailure(failure)) {
      instance.balancer().group().recordRequestFailure(server, Failures.describe(failure));
    } else if (completion.status() == CompletionContext.Status.SUCCESS) {
      instance.balancer().group().recordRequestSuccess(server);
    }
  }

  /** The lbkit server of the response, or null when the instance is not lbkit's. */
  private static Server server(Response<ServiceInstance> response) {
    return response != null && response.getServer() instanceof LbkitServiceInstance
        ? ((LbkitServiceInstance) response.getServer()).server() : null;
  }

  /** The lbkit state of a gateway exchange routed to an lbkit service, or null for any other request. */
  private static GatewayAttributes.Exchange gatewayExchange(Map<String, Object> attributes) {
    GatewayAttributes.Exchange state = attributes == null ? null : GatewayAttributes.state(attributes);
    return state != null && state.lbkitRoute ? state : null;
  }

  /** The request's attributes (the gateway's exchange attributes, or a {@code WebClient} request's), or null. */
  private static Map<String, Object> attributes(Request<Object> request) {
    Object context = request == null ? null : request.getContext();
    RequestData data = context instanceof RequestDataContext ? ((RequestDataContext) context).getClientRequest() : null;
    return data == null ? null : data.getAttributes();
  }
}
