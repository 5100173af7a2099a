import * as v from "valibot";
import { singleLineText } from "./common";

export const CreateTenantInput = v.object({
  name: v.pipe(singleLineText(200), v.nonEmpty("must not be empty")),
});
