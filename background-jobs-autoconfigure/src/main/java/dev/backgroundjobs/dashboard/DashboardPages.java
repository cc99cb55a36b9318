package dev.backgroundjobs.dashboard;

import org.springframework.util.Assert;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the dashboard's static pages (plain HTML, JavaScript and CSS in this jar) under
 * the dashboard path: {@code <path>} redirects to {@code <path>/}, which is the single
 * page. The pages address the API relative to themselves, so any path works.
 */
public final class DashboardPages implements WebMvcConfigurer {

	/**
	 * Where the pages are on the classpath.
	 */
	public static final String LOCATION = "classpath:/dev/backgroundjobs/dashboard/static/";

	private final String path;

	/**
	 * Creates the configurer.
	 * @param path the dashboard path, such as {@code /background-jobs}
	 */
	public DashboardPages(String path) {
		Assert.hasText(path, "'path' must not be empty");
		this.path = path;
	}

	@Override
	public void addResourceHandlers(ResourceHandlerRegistry registry) {
		registry.addResourceHandler(this.path + "/**").addResourceLocations(LOCATION);
	}

	@Override
	public void addViewControllers(ViewControllerRegistry registry) {
		registry.addRedirectViewController(this.path, this.path + "/");
		registry.addViewController(this.path + "/").setViewName("forward:" + this.path + "/index.html");
	}

}
