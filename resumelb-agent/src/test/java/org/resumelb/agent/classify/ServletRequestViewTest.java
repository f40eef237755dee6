package org.resumelb.agent.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Proxy;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.junit.jupiter.api.Test;

class ServletRequestViewTest {

    /** A request answering only what the view asks; anything else fails the test. */
    static HttpServletRequest request(String contextPath, String servletPath, String uri, String query, Map<String, String> headers) {
        return (HttpServletRequest) Proxy.newProxyInstance(ServletRequestViewTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getContextPath" -> contextPath;
                    case "getServletPath" -> servletPath;
                    case "getRequestURI" -> uri;
                    case "getQueryString" -> query;
                    case "getMethod" -> "GET";
                    case "getHeader" -> headers.get((String) args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void inContextSeesThePathInTheWebapp() {
        HttpServletRequest r = request("/app", "/lb", "/app/lb/news/a%20b", "x=1", Map.of("Host", "www.example:8080", "X-Site", "s"));
        RequestView v = ServletRequestView.inContext(r);
        assertEquals("/lb/news/a%20b", v.path(), "still encoded, servlet path kept");
        assertEquals("GET", v.method());
        assertEquals("www.example:8080", v.host());
        assertEquals("x=1", v.query());
        assertEquals("s", v.header("X-Site"));
        assertNull(v.header("X-None"));
        assertEquals("/news", ServletRequestView.inContext(request("", "", "/news", null, Map.of())).path(), "root context");
        assertEquals("/other/x", ServletRequestView.inContext(request("/app", "", "/other/x", null, Map.of())).path(),
                "a URI outside the context is taken whole");
        assertEquals("", ServletRequestView.inContext(request("/app", "", "/app", null, Map.of())).path());
    }

    @Test
    void afterServletSeesThePathTheProxyForwards() {
        HttpServletRequest r = request("/app", "/lb", "/app/lb/news/a%20b", null, Map.of("Host", "h"));
        RequestView v = ServletRequestView.afterServlet(r);
        assertEquals("/news/a%20b", v.path(), "still encoded");
        assertEquals("h", v.host());
        assertNull(v.query());
        assertEquals("/x", ServletRequestView.afterServlet(request("", "", "/x", null, Map.of())).path(), "root context, default servlet");
        assertEquals("/x", ServletRequestView.afterServlet(request("", "/lb", "/lb/x", null, Map.of())).path());
        assertEquals("", ServletRequestView.afterServlet(request("/app", "/lb", "/app/lb", null, Map.of())).path(), "nothing after the servlet");
        assertEquals("", ServletRequestView.afterServlet(request("/app", "/lb", "/app", null, Map.of())).path(), "shorter URI");
    }

    @Test
    void thePathHelpersAgreeWithTheViews() {
        HttpServletRequest r = request("/ctx", "/s", "/ctx/s/p", null, Map.of());
        assertEquals("/s/p", ServletRequestView.pathInContext(r));
        assertEquals("/p", ServletRequestView.pathAfterServlet(r));
        assertEquals(ServletRequestView.pathInContext(r), ServletRequestView.inContext(r).path());
        assertEquals(ServletRequestView.pathAfterServlet(r), ServletRequestView.afterServlet(r).path());
    }
}
