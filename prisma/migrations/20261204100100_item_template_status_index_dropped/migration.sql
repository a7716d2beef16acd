-- No statement reads items by (templateId, status) any more: the review queue reads its own
-- index (templateId, reviewScopeId, status, waitingSince, id), which also serves the template
-- foreign key. A decision changes status, so every index of the item gets a new entry; one
-- index fewer is one write fewer per decided item and per imported item.
DROP INDEX "ClearanceItem_templateId_status_idx";
