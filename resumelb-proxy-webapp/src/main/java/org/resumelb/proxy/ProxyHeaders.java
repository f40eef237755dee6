package org.resumelb.proxy;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.eclipse.jetty.client.Request;
import org.resumelb.agent.protocol.Protocol;

/**
 * What the proxy removes from a client's headers before they reach a worker:
 * every {@code X-ResumeLB-*} header (only the load balancer speaks with that
 * voice), and {@code Expect} when the body was already read whole. Stateless.
 */
final class ProxyHeaders {

    private ProxyHeaders() {
    }

    static void stripClientHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        List<String> strip = null;
        for (Enumeration<String> names = clientRequest.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            if (Protocol.isInternalHeader(name)) {
                if (strip == null) {
                    strip = new ArrayList<>(2);
                }
                strip.add(name);
            }
        }
        if (clientRequest.getAttribute(RequestBodyBuffer.BODY) != null) {
            if (strip == null) {
                strip = new ArrayList<>(1);
            }
            strip.add("Expect"); // the body is here already
        }
        if (strip != null) {
            List<String> names = strip;
            proxyRequest.headers(headers -> names.forEach(headers::remove));
        }
    }
}
