package org.resumelb.proxy;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.route.StickyCookie;

/**
 * What the proxy removes from a client's headers before they reach a worker:
 * every {@code X-ResumeLB-*} header (only the load balancer speaks with that
 * voice), {@code Expect} when the body was already read whole, and with sticky
 * sessions the route suffix of the session cookie ({@link StickyCookie#strip}).
 * Stateless.
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

    /**
     * Removes the session cookie's route suffix from every {@code Cookie}
     * header on its way to the worker ({@code sticky} null: none).
     */
    static void stripStickyRoutes(HttpServletRequest clientRequest, Request proxyRequest, StickyCookie sticky) {
        if (sticky == null) {
            return;
        }
        List<String> cookies = null;
        boolean changed = false;
        for (Enumeration<String> values = clientRequest.getHeaders(HttpHeader.COOKIE.asString()); values.hasMoreElements(); ) {
            String value = values.nextElement();
            String stripped = sticky.strip(value);
            changed |= stripped != value;
            if (cookies == null) {
                cookies = new ArrayList<>(1);
            }
            cookies.add(stripped);
        }
        if (changed) {
            List<String> values = cookies;
            proxyRequest.headers(headers -> {
                headers.remove(HttpHeader.COOKIE);
                values.forEach(v -> headers.add(HttpHeader.COOKIE, v));
            });
        }
    }
}
