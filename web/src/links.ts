import { ApiClient, query } from "./api";

/** The public link API (src/Groundwork.Api/Links, Clicks). */
export interface CreatedLink {
  slug: string;
  url: string;
  shortUrl: string;
  createdAt: string;
}

export interface LinkStats {
  slug: string;
  url: string;
  createdAt: string;
  clicks: number;
  disabled: boolean;
}

export type Bucket = "minute" | "hour" | "day";

export interface ClickPoint {
  at: string;
  clicks: number;
}

export interface ClickSeries {
  slug: string;
  bucket: Bucket;
  from: string;
  to: string;
  total: number;
  points: ClickPoint[];
}

export class LinksApi {
  constructor(private readonly api: ApiClient) {}

  create(url: string, slug?: string): Promise<CreatedLink> {
    const body: { url: string; slug?: string } = { url };
    if (slug) body.slug = slug;
    return this.api.post<CreatedLink>("/api/links", body);
  }

  stats(slug: string): Promise<LinkStats> {
    return this.api.get<LinkStats>(`/api/links/${encodeURIComponent(slug)}`);
  }

  clicks(slug: string, bucket: Bucket, from?: string, to?: string): Promise<ClickSeries> {
    return this.api.get<ClickSeries>(`/api/links/${encodeURIComponent(slug)}/clicks${query({ bucket, from, to })}`);
  }
}
