package dev.backgroundjobs.sample.documents;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

/**
 * Stands in for a search engine whose bulk API indexes many documents in one request, as
 * Elasticsearch's {@code _bulk} or Solr's update handler do. Indexing a document again
 * replaces it, so a bulk request may safely be sent twice.
 */
@Component
public class SearchIndex {

	// Written by the workers that run index-documents, read by anyone: a concurrent map.
	private final Map<String, String> titles = new ConcurrentHashMap<>();

	/**
	 * Indexes documents in one bulk request.
	 * @param documents the documents
	 */
	public void indexAll(Collection<Document> documents) {
		documents.forEach((document) -> this.titles.put(document.id(), document.title()));
	}

	/**
	 * Returns whether a document is indexed.
	 * @param id the document id
	 * @return whether it is indexed
	 */
	public boolean contains(String id) {
		return this.titles.containsKey(id);
	}

}
