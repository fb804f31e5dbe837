/** The browsable API documentation: a page and its files, served as they are (no envelope). */
import { z } from 'zod';

export const docsAssetParams = z.object({ file: z.string().max(64) });
export const docsPageSchema = z.string().meta({ description: 'text/html' });
export const docsAssetSchema = z.string().meta({ description: 'CSS, JavaScript or an image' });
