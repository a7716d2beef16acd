-- An item's history outlives the item: events keep their template, and lose only the link
-- to an item that was removed (an undecided item of a deferred student).

-- DropForeignKey
ALTER TABLE "ClearanceEvent" DROP CONSTRAINT "ClearanceEvent_itemId_fkey";

-- AlterTable
ALTER TABLE "ClearanceEvent" ALTER COLUMN "itemId" DROP NOT NULL,
ADD COLUMN "templateId" UUID;

UPDATE "ClearanceEvent" e SET "templateId" = i."templateId" FROM "ClearanceItem" i WHERE i."id" = e."itemId";

ALTER TABLE "ClearanceEvent" ALTER COLUMN "templateId" SET NOT NULL;

-- AddForeignKey
ALTER TABLE "ClearanceEvent" ADD CONSTRAINT "ClearanceEvent_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "ClearanceItem"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClearanceEvent" ADD CONSTRAINT "ClearanceEvent_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "ItemTemplate"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
