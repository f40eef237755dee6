package org.resumelb.agent.classify;

import jakarta.servlet.http.HttpServletRequest;

/**
 * A servlet request seen by a classifier, for the filter and the proxy alike.
 * They differ only in the path the classifier sees: the filter classifies the
 * path in the webapp ({@link #inContext}), the proxy the path it forwards
 * ({@link #afterServlet}). The path is computed when asked for, so classifiers
 * that never look at it pay nothing.
 *
 * <p>The only class of the agent that needs the Servlet API (a {@code provided}
 * dependency): the rest of the agent loads without it. Not thread-safe beyond
 * what the wrapped request is: use it on the request's thread.
 */
public final class ServletRequestView implements RequestView {

    private final HttpServletRequest request;
    private final boolean afterServlet;

    private ServletRequestView(HttpServletRequest request, boolean afterServlet) {
        this.request = request;
        this.afterServlet = afterServlet;
    }

    /** The path is {@link #pathInContext}: the request URI after the context path (the filter's view). */
    public static ServletRequestView inContext(HttpServletRequest request) {
        return new ServletRequestView(request, false);
    }

    /** The path is {@link #pathAfterServlet}: the raw path after the context and servlet paths (the proxy's view). */
    public static ServletRequestView afterServlet(HttpServletRequest request) {
        return new ServletRequestView(request, true);
    }

    /**
     * The request URI (still encoded) after the context path; the whole URI
     * when the context path is empty or not its prefix.
     */
    public static String pathInContext(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
    }

    /**
     * The raw (still encoded) request URI after the context path and the
     * servlet path, or "" when there is nothing after them.
     */
    public static String pathAfterServlet(HttpServletRequest request) {
        String uri = request.getRequestURI();
        int skip = request.getContextPath().length() + request.getServletPath().length();
        return skip <= uri.length() ? uri.substring(skip) : "";
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String host() {
        return request.getHeader("Host");
    }

    @Override
    public String path() {
        return afterServlet ? pathAfterServlet(request) : pathInContext(request);
    }

    @Override
    public String query() {
        return request.getQueryString();
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }
}
