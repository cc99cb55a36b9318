package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Qualifier for the {@code DataSource} that background-jobs keeps its tables in, when it
 * is not the application's only or {@code @Primary} one. The starter then creates its
 * schema in it and writes to it through a transaction manager of its own, leaving the
 * application's transaction manager alone. Like Spring Boot's {@code @FlywayDataSource}
 * and {@code @BatchDataSource}. <pre class="code">
 * &#64;Bean
 * &#64;BackgroundJobsDataSource
 * DataSource jobsDataSource() {
 *     return DataSourceBuilder.create().url("jdbc:postgresql://db/jobs").build();
 * }
 * </pre> At most one {@code DataSource} bean may carry it.
 */
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface BackgroundJobsDataSource {

}
