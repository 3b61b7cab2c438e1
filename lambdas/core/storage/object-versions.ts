import {
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandInput,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * Every page of ListObjectVersions, as the SDK's generated paginators give other list calls. The
 * SDK generates none for this one because its pages continue on two markers (KeyMarker and
 * VersionIdMarker), which its single-token paginator cannot carry; this is that loop, written
 * once, beside queryItems.
 */
export async function* paginateObjectVersions(
  s3: S3Client,
  input: Omit<ListObjectVersionsCommandInput, 'KeyMarker' | 'VersionIdMarker'>,
): AsyncGenerator<ListObjectVersionsCommandOutput> {
  let markers: Pick<ListObjectVersionsCommandInput, 'KeyMarker' | 'VersionIdMarker'> = {};
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ ...input, ...markers }));
    yield page;
    if (page.IsTruncated !== true) return;
    markers = {
      ...(page.NextKeyMarker !== undefined && { KeyMarker: page.NextKeyMarker }),
      ...(page.NextVersionIdMarker !== undefined && { VersionIdMarker: page.NextVersionIdMarker }),
    };
  }
}
