import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { paginateObjectVersions } from '../../../lambdas/core/storage/object-versions';

describe('paginateObjectVersions', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('follows both markers from page to page and stops at the last page', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        IsTruncated: true,
        NextKeyMarker: 'incoming/a',
        NextVersionIdMarker: 'v2',
        Versions: [{ Key: 'incoming/a', VersionId: 'v1' }],
      })
      .resolvesOnce({ IsTruncated: false, DeleteMarkers: [{ Key: 'incoming/a', VersionId: 'v3' }] });

    const pages = [];
    for await (const page of paginateObjectVersions(new S3Client({}), { Bucket: 'b', Prefix: 'incoming/' })) {
      pages.push(page);
    }

    expect(pages.map((page) => page.Versions?.length ?? page.DeleteMarkers?.length)).toEqual([1, 1]);
    const inputs = s3.commandCalls(ListObjectVersionsCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'b', Prefix: 'incoming/' },
      { Bucket: 'b', Prefix: 'incoming/', KeyMarker: 'incoming/a', VersionIdMarker: 'v2' },
    ]);
  });
});
